/**
 * Shared set-up for tests against the machine's Redis: where it is, a probe for `requireService`, a random key
 * prefix per test file, and cleanup of everything under it with SCAN (never KEYS, which blocks the server).
 */
import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

/** Override with REDIS_TEST_URL. */
export const REDIS_URL = process.env['REDIS_TEST_URL'] ?? 'redis://127.0.0.1:6379';
export const REDIS_SERVICE = `Redis at ${new URL(REDIS_URL).host} (REDIS_TEST_URL)`;

export async function probeRedis(): Promise<void> {
  const client = new Redis(REDIS_URL, { lazyConnect: true, retryStrategy: () => null, connectTimeout: 3_000 });
  // connect() only says "Connection is closed."; the error event says why (ECONNREFUSED, ...), so keep it.
  let cause: Error | undefined;
  client.on('error', (error: Error) => (cause = error));
  try {
    await client.connect();
    await client.ping();
  } catch (error) {
    throw cause ?? error;
  } finally {
    client.disconnect();
  }
}

export function redisUrlWithPort(port: number): string {
  const url = new URL(REDIS_URL);
  url.port = String(port);
  return url.toString();
}

export const redisPort = (): number => Number(new URL(REDIS_URL).port || 6379);

export const randomPrefix = (label: string): string => `test-${label}-${randomUUID().slice(0, 8)}`;

/** A plain client for reading back and cleaning up; not the one under test. */
export const adminClient = (): Redis => new Redis(REDIS_URL);

/** Deletes every key starting with `prefix:`; the prefix holds no glob characters (see randomPrefix). */
export async function deletePrefix(client: Redis, prefix: string): Promise<number> {
  let cursor = '0';
  let deleted = 0;
  do {
    const [next, keys] = await client.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
    cursor = next;
    if (keys.length > 0) deleted += await client.del(...keys);
  } while (cursor !== '0');
  return deleted;
}
