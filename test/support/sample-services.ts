/**
 * The machine's PostgreSQL and Redis, as the sample targets (dev/sample-targets.ts) reach them: required in CI,
 * skipped with a reason elsewhere (see require-service.ts). Call at the top of a test file.
 */
import { Redis } from 'ioredis';
import pg from 'pg';
import { DEMO_POSTGRES_URL, DEMO_REDIS_URL } from '../../dev/sample-targets.js';
import { requireService } from './require-service.js';

export function requireSamplePostgres(): Promise<boolean> {
  return requireService(`PostgreSQL at ${new URL(DEMO_POSTGRES_URL).host}`, async () => {
    const client = new pg.Client({ connectionString: DEMO_POSTGRES_URL, connectionTimeoutMillis: 2_000 });
    try {
      await client.connect();
      await client.query('select 1');
    } finally {
      await client.end().catch(() => undefined);
    }
  });
}

export function requireSampleRedis(): Promise<boolean> {
  return requireService(`Redis at ${new URL(DEMO_REDIS_URL).host}`, async () => {
    const client = new Redis(DEMO_REDIS_URL, { lazyConnect: true, connectTimeout: 2_000, maxRetriesPerRequest: 0 });
    try {
      await client.connect();
      await client.ping();
    } finally {
      client.disconnect();
    }
  });
}
