/**
 * The demo's targets: the Cosmos DB copy and Blob storage always (they run in the local stack), PostgreSQL and Redis
 * when the servers answer on their usual local ports, and a webhook to the reference receiver. Each gets random names
 * (schema, key prefix, container) and is cleaned up on close, so demos never see each other's data.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { startWebhookReceiver, type WebhookReceiver } from './webhook-receiver.js';
import { messageOf } from '../shared/errors.js';

export const DEMO_POSTGRES_URL =
  process.env['COSMOS_SYNC_DEMO_POSTGRES_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
export const DEMO_REDIS_URL = process.env['COSMOS_SYNC_DEMO_REDIS_URL'] ?? 'redis://127.0.0.1:6379';

export interface SampleTargets {
  /** Extra entries for COSMOS_SYNC_TARGETS (the Cosmos copy is always there). */
  targets: Record<string, unknown>[];
  settings: Record<string, string>;
  skipped: string[];
  postgresSchema: string | undefined;
  redisPrefix: string | undefined;
  blobContainer: string;
  webhook: WebhookReceiver;
  close(): Promise<void>;
}

async function postgresAnswers(): Promise<string | undefined> {
  const client = new pg.Client({ connectionString: DEMO_POSTGRES_URL, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query('select 1');
    return undefined;
  } catch (error) {
    return `PostgreSQL at ${new URL(DEMO_POSTGRES_URL).host}: ${messageOf(error)}`;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function redisAnswers(): Promise<string | undefined> {
  const client = new Redis(DEMO_REDIS_URL, { lazyConnect: true, connectTimeout: 2_000, maxRetriesPerRequest: 0 });
  try {
    await client.connect();
    await client.ping();
    return undefined;
  } catch (error) {
    return `Redis at ${new URL(DEMO_REDIS_URL).host}: ${messageOf(error)}`;
  } finally {
    client.disconnect();
  }
}

export async function prepareSampleTargets(): Promise<SampleTargets> {
  const suffix = randomUUID().slice(0, 8);
  const [postgresProblem, redisProblem] = await Promise.all([postgresAnswers(), redisAnswers()]);
  const secret = randomBytes(32).toString('hex');
  const webhook = await startWebhookReceiver({ secret });
  const blobContainer = `demo-${suffix}`;
  const targets: Record<string, unknown>[] = [
    { name: 'orders-blob', type: 'blob', subscription: 'blob-target', container: blobContainer, mode: 'latest' },
    {
      name: 'orders-webhook',
      type: 'webhook',
      subscription: 'webhook-target',
      url: webhook.url,
      // The reference receiver answers verify's read-back queries (docs/targets-blob-webhook.md).
      versionsUrl: webhook.versionsUrl,
    },
  ];
  const settings: Record<string, string> = { COSMOS_SYNC_WEBHOOK_SECRET: secret };
  const skipped: string[] = [];
  const postgresSchema = postgresProblem ? undefined : `demo_${suffix}`;
  const redisPrefix = redisProblem ? undefined : `demo-${suffix}`;
  if (postgresSchema) {
    targets.push({
      name: 'orders-pg',
      type: 'postgres',
      subscription: 'postgres-target',
      schema: postgresSchema,
      table: 'orders',
    });
    settings['PostgresTarget'] = DEMO_POSTGRES_URL;
  } else skipped.push(postgresProblem as string);
  if (redisPrefix) {
    targets.push({
      name: 'orders-redis',
      type: 'redis',
      subscription: 'redis-target',
      keyTemplate: `${redisPrefix}:{source}:{partitionKey}:{id}`,
    });
    settings['RedisTarget'] = DEMO_REDIS_URL;
  } else skipped.push(redisProblem as string);
  return {
    targets,
    settings,
    skipped,
    postgresSchema,
    redisPrefix,
    blobContainer,
    webhook,
    close: async () => {
      await webhook.close();
      if (postgresSchema) {
        const client = new pg.Client({ connectionString: DEMO_POSTGRES_URL });
        await client.connect();
        await client.query(`drop schema if exists "${postgresSchema}" cascade`);
        await client.end();
      }
      if (redisPrefix) {
        const client = new Redis(DEMO_REDIS_URL);
        let cursor = '0';
        do {
          const [next, keys] = await client.scan(cursor, 'MATCH', `${redisPrefix}:*`, 'COUNT', 1_000);
          cursor = next;
          if (keys.length > 0) await client.del(...keys);
        } while (cursor !== '0');
        client.disconnect();
      }
    },
  };
}
