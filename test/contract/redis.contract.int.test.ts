import { describe } from 'vitest';
import type { Redis } from 'ioredis';
import type { ChangeEvent } from '../../shared/events/envelope.js';
import { createRedisClient } from '../../shared/targets/redis/client.js';
import { RedisTarget } from '../../shared/targets/redis/index.js';
import type { Target } from '../../shared/targets/target.js';
import { VERSION_KEY_SUFFIX } from '../../shared/targets/redis/keys.js';
import { HASH_VERSION_FIELD, parseVersionRecord } from '../../shared/targets/redis/scripts.js';
import { makeEvent } from '../support/events.js';
import { requireService } from '../support/require-service.js';
import { startTcpProxy } from '../support/tcp-proxy.js';
import {
  adminClient,
  deletePrefix,
  probeRedis,
  randomPrefix,
  REDIS_SERVICE,
  redisPort,
  redisUrlWithPort,
} from '../targets/redis-harness.js';
import type { StoredState } from './target-contract.js';
import { runTargetContract } from './target-contract.js';

const available = await requireService(REDIS_SERVICE, probeRedis);

/** Reads what the target holds, in either format, the way a reader of the cache would. */
async function readBack(admin: Redis, format: 'json' | 'hash', key: string): Promise<StoredState | undefined> {
  if (format === 'json') {
    const [value, record] = await Promise.all([admin.get(key), admin.get(`${key}${VERSION_KEY_SUFFIX}`)]);
    const version = record === null ? undefined : parseVersionRecord(record);
    if (!version) return undefined;
    const document = value === null ? null : (JSON.parse(value) as Record<string, unknown>);
    return { version: { lsn: version.lsn, ts: version.ts }, deleted: version.deleted, document };
  }
  const { [HASH_VERSION_FIELD]: record, ...fields } = await admin.hgetall(key);
  const version = record === undefined ? undefined : parseVersionRecord(record);
  if (!version) return undefined;
  const document = Object.fromEntries(Object.entries(fields).map(([name, value]) => [name, JSON.parse(value)]));
  return {
    version: { lsn: version.lsn, ts: version.ts },
    deleted: version.deleted,
    document: version.deleted ? null : document,
  };
}

/**
 * Both formats under the default key layout, and a template that spells only the id, where the version record must
 * carry the source and partition key for reading back.
 */
const VARIANTS = [
  { format: 'json', keys: '{source}:{partitionKey}:{id}' },
  { format: 'hash', keys: '{source}:{partitionKey}:{id}' },
  { format: 'hash', keys: '{id}' },
] as const;

describe.runIf(available)('redis', () => {
  for (const { format, keys } of VARIANTS) {
    runTargetContract(
      `redis (${format}, keys ${keys})`,
      async () => {
        const prefix = randomPrefix(`contract-${format}`);
        const admin = adminClient();
        // The target talks through a proxy the test can break, so "store down" is a real network failure.
        const proxy = await startTcpProxy(redisPort());
        const client = createRedisClient(redisUrlWithPort(proxy.port), {
          connectTimeoutMs: 3_000,
          commandTimeoutMs: 5_000,
          onError: () => {
            // Expected while the proxy is broken; the test asserts on the batch's error instead.
          },
        });
        const target = new RedisTarget({
          name: `redis-${format}`,
          client,
          keyTemplate: `${prefix}:${keys}`,
          format,
          tombstoneTtlSeconds: 3_600,
          readyTimeoutMs: 3_000,
          release: async () => client.disconnect(),
          readPageSize: 7,
        });
        await target.open();
        // Keys planted by poisonEvent (which must return synchronously) are written before the next batch runs.
        const planting: Promise<unknown>[] = [];
        const applyAfterPlanting: Target = {
          name: target.name,
          open: () => target.open(),
          close: () => target.close(),
          applyBatch: async (events) => {
            await Promise.all(planting.splice(0));
            return target.applyBatch(events);
          },
          readVersions: (refs, signal) => target.readVersions(refs, signal),
          listDocuments: (source, signal) => target.listDocuments(source, signal),
        };
        const keyOf = (event: Pick<ChangeEvent, 'documentId' | 'partitionKey' | 'source'>) => target.keyOf(event);
        return {
          target: applyAfterPlanting,
          listPageSize: 7,
          read: (event) => readBack(admin, format, keyOf(event)),
          breakStore: async () => proxy.break(),
          repairStore: async () => proxy.repair(),
          // Someone else's list where the target wants its value: the script gets WRONGTYPE for that key only.
          poisonEvent: (spec) => {
            const event = makeEvent(spec);
            planting.push(admin.rpush(keyOf(event), 'not-ours'));
            return event;
          },
          cleanup: async () => {
            await proxy.close();
            await deletePrefix(admin, prefix);
            admin.disconnect();
          },
        };
      },
      { anyIdCharacters: true, listingMayRepeat: true, idOnlyKeys: keys === '{id}' },
    );
  }
});
