import type { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ResolvedConnection } from '../../shared/config/connections.js';
import { createRedisClient } from '../../shared/targets/redis/client.js';
import { createRedisTarget, RedisTarget, redisTargetSchema } from '../../shared/targets/redis/index.js';
import type { DocumentRef } from '../../shared/targets/target.js';
import { makeEvent } from '../support/events.js';
import { requireService } from '../support/require-service.js';
import { adminClient, deletePrefix, probeRedis, randomPrefix, REDIS_SERVICE, REDIS_URL } from './redis-harness.js';

const available = await requireService(REDIS_SERVICE, probeRedis);

describe.runIf(available)('redis target', () => {
  const prefix = randomPrefix('redis-target');
  let admin: Redis;
  let client: Redis;
  const make = async (options: Partial<ConstructorParameters<typeof RedisTarget>[0]> = {}) => {
    const target = new RedisTarget({
      name: 'cache',
      client,
      keyTemplate: `${prefix}:{source}:{partitionKey}:{id}`,
      format: 'json',
      tombstoneTtlSeconds: 600,
      readyTimeoutMs: 2_000,
      ...options,
    });
    await target.open();
    return target;
  };

  beforeAll(async () => {
    admin = adminClient();
    client = createRedisClient(REDIS_URL, { connectTimeoutMs: 2_000, commandTimeoutMs: 10_000 });
  });
  afterAll(async () => {
    client?.disconnect();
    if (admin) await deletePrefix(admin, prefix);
    admin?.disconnect();
  });

  it('applies a batch of 1,000 events in one round trip: every script call written before any reply is read', async () => {
    const target = await make({ keyTemplate: `${prefix}:bulk:{id}` });
    const events = Array.from({ length: 1_000 }, (_, index) => makeEvent({ id: `d${index}`, lsn: 5, data: { index } }));
    const writes = vi.spyOn(client.stream, 'write');
    const replies = vi.fn();
    client.stream.prependListener('data', replies);
    const outcomes = await target.applyBatch(events);
    client.stream.off('data', replies);
    // 50 events per call by default: twenty calls, all on the wire before the first reply arrives.
    expect(writes).toHaveBeenCalledTimes(20);
    writes.mockRestore();
    expect(replies).toHaveBeenCalled();
    expect(Math.min(...replies.mock.invocationCallOrder)).toBeGreaterThan(Math.max(...writes.mock.invocationCallOrder));
    expect(outcomes.every((outcome) => outcome.status === 'applied')).toBe(true);
    expect(JSON.parse((await admin.get(`${prefix}:bulk:d999`)) as string)).toMatchObject({ index: 999 });
    const replay = await target.applyBatch(events);
    expect(new Set(replay.map((outcome) => outcome.status))).toEqual(new Set(['stale']));
  });

  it('gives live values a TTL, tombstones a longer one, and clears it when a document comes back', async () => {
    const target = await make({ ttlSeconds: 120, tombstoneTtlSeconds: 900 });
    const event = makeEvent({ id: 'ttl', lsn: 1 });
    const key = target.keyOf(event);
    await target.applyBatch([event]);
    expect(await admin.ttl(key)).toBeGreaterThan(100);
    expect(await admin.ttl(`${key}:_sync`)).toBeGreaterThan(100);
    await target.applyBatch([makeEvent({ id: 'ttl', lsn: 2, op: 'delete' })]);
    expect(await admin.exists(key)).toBe(0);
    expect(await admin.ttl(`${key}:_sync`)).toBeGreaterThan(800);
    const forever = await make();
    await forever.applyBatch([makeEvent({ id: 'ttl', lsn: 3 })]);
    expect(await admin.ttl(key)).toBe(-1);
    expect(await admin.ttl(`${key}:_sync`)).toBe(-1);
  });

  it('keeps hash fields typed and removes fields a newer version no longer has', async () => {
    const target = await make({ format: 'hash', keyTemplate: `${prefix}:h:{partitionKey}:{id}` });
    await target.applyBatch([makeEvent({ id: 'h', pk: 7, lsn: 1, data: { a: 1, b: '1', gone: true } })]);
    await target.applyBatch([makeEvent({ id: 'h', pk: 7, lsn: 2, data: { a: 2, b: '2' } })]);
    const hash = await admin.hgetall(`${prefix}:h:%J7:h`);
    expect(hash).toEqual({ id: '"h"', pk: '7', a: '2', b: '"2"', _sync: expect.stringMatching(/^2 1700000002 0 /) });
    // More fields than one HSET of the script carries (100 pairs): the rest go in further HSETs.
    const wide = Object.fromEntries(Array.from({ length: 250 }, (_, index) => [`f${index}`, index]));
    await target.applyBatch([makeEvent({ id: 'h', pk: 7, lsn: 3, data: wide })]);
    const stored = await admin.hgetall(`${prefix}:h:%J7:h`);
    expect(Object.keys(stored)).toHaveLength(253);
    expect(stored).toMatchObject({ f0: '0', f249: '249', _sync: expect.stringMatching(/^3 /) });
  });

  it('rejects only the event whose key holds another type or whose value is too large', async () => {
    for (const format of ['json', 'hash'] as const) {
      const target = await make({ format, maxValueBytes: 10_000, keyTemplate: `${prefix}:${format}-mix:{id}` });
      await admin.rpush(`${prefix}:${format}-mix:taken`, 'someone else');
      const outcomes = await target.applyBatch([
        makeEvent({ id: 'ok-1', lsn: 1 }),
        makeEvent({ id: 'taken', lsn: 1 }),
        makeEvent({ id: 'huge', lsn: 1, data: { x: 'x'.repeat(20_000) } }),
        makeEvent({ id: 'ok-2', lsn: 1 }),
      ]);
      expect(
        outcomes.map((outcome) => outcome.status),
        format,
      ).toEqual(['applied', 'rejected', 'rejected', 'applied']);
      expect(outcomes[1]).toMatchObject({ error: { code: 'REDIS_WRONGTYPE', retryable: false } });
      expect(outcomes[2]).toMatchObject({ error: { code: 'REDIS_VALUE_TOO_LARGE', retryable: false } });
      expect(await admin.lrange(`${prefix}:${format}-mix:taken`, 0, -1)).toEqual(['someone else']);
    }
  });

  it('refuses to overwrite a version record it cannot read', async () => {
    const target = await make({ keyTemplate: `${prefix}:foreign:{id}` });
    await admin.set(`${prefix}:foreign:odd:_sync`, 'written by someone else');
    expect(await target.applyBatch([makeEvent({ id: 'odd', lsn: 1 })])).toMatchObject([
      { status: 'rejected', error: { code: 'REDIS_ERR', retryable: false } },
    ]);
    expect(await admin.get(`${prefix}:foreign:odd`)).toBeNull();
  });

  it('checks key types in bulk but still finds the one key someone else changed, in any state', async () => {
    const target = await make({ keyTemplate: `${prefix}:types:{id}` });
    const key = (id: string) => `${prefix}:types:${id}`;
    const ids = ['fresh', 'list-version', 'live', 'live-list', 'tombstone-set', 'evicted'];
    await target.applyBatch([
      makeEvent({ id: 'live', lsn: 1 }),
      makeEvent({ id: 'live-list', lsn: 1 }),
      makeEvent({ id: 'evicted', lsn: 1 }),
      makeEvent({ id: 'tombstone-set', lsn: 1, op: 'delete' }),
    ]);
    // Someone else's data where a version record should be, where a live value should be, and after a delete;
    // and a value that went missing (evicted) under a live version record.
    await admin.rpush(`${key('list-version')}:_sync`, 'x');
    await admin.del(key('live-list'));
    await admin.rpush(key('live-list'), 'x');
    await admin.sadd(key('tombstone-set'), 'x');
    await admin.del(key('evicted'));
    const outcomes = await target.applyBatch(ids.map((id) => makeEvent({ id, lsn: 2 })));
    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      'applied',
      'rejected',
      'applied',
      'rejected',
      'rejected',
      'applied',
    ]);
    for (const index of [1, 3, 4]) {
      expect(outcomes[index], ids[index]).toMatchObject({ error: { code: 'REDIS_WRONGTYPE', retryable: false } });
    }
    expect(await admin.lrange(`${key('list-version')}:_sync`, 0, -1)).toEqual(['x']);
    expect(await admin.lrange(key('live-list'), 0, -1)).toEqual(['x']);
    expect(await admin.get(`${key('live-list')}:_sync`)).toMatch(/^1 /);
    expect(await admin.smembers(key('tombstone-set'))).toEqual(['x']);
    expect(await admin.get(`${key('tombstone-set')}:_sync`)).toMatch(/^1 \d+ 1 /);
    expect(JSON.parse((await admin.get(key('evicted'))) as string)).toMatchObject({ id: 'evicted' });
    expect(await admin.get(`${key('evicted')}:_sync`)).toMatch(/^2 /);
    expect(await admin.get(`${key('live')}:_sync`)).toMatch(/^2 /);
  });

  it('writes only the newest event of a key that comes several times in one call', async () => {
    const target = await make({ keyTemplate: `${prefix}:dup:{id}` });
    const key = `${prefix}:dup:d`;
    const outcomes = await target.applyBatch([
      makeEvent({ id: 'd', lsn: 2 }),
      makeEvent({ id: 'd', lsn: 1 }),
      makeEvent({ id: 'd', lsn: 3, op: 'delete' }),
      makeEvent({ id: 'd', lsn: 4, data: { back: true } }),
      makeEvent({ id: 'd', lsn: 4, data: { back: false } }),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['applied', 'stale', 'applied', 'applied', 'stale']);
    expect(JSON.parse((await admin.get(key)) as string)).toMatchObject({ back: true });
    expect(await admin.get(`${key}:_sync`)).toMatch(/^4 \d+ 0 /);
    expect(await admin.ttl(`${key}:_sync`)).toBe(-1);
  });

  it('recovers when the server forgets its scripts', async () => {
    const target = await make();
    await target.applyBatch([makeEvent({ id: 'flush', lsn: 1 })]);
    await admin.script('FLUSH');
    expect(await target.applyBatch([makeEvent({ id: 'flush', lsn: 2 })])).toMatchObject([{ status: 'applied' }]);
  });

  it('fails transiently, and fast, when the server cannot be reached', async () => {
    const url = new URL(REDIS_URL);
    url.port = '1';
    const down = createRedisClient(url.toString(), { connectTimeoutMs: 500, commandTimeoutMs: 500, onError: () => {} });
    const started = Date.now();
    try {
      await expect(make({ client: down, readyTimeoutMs: 500 })).rejects.toMatchObject({
        code: 'REDIS_UNAVAILABLE',
        retryable: true,
      });
      expect(Date.now() - started).toBeLessThan(3_000);
    } finally {
      down.disconnect();
    }
  });

  it('lists only the source asked for, even when its name holds glob characters, and skips keys it did not write', async () => {
    const target = await make({ keyTemplate: `${prefix}:glob:{source}:{partitionKey}:{id}`, readPageSize: 3 });
    const mine = [1, 2, 3, 4].map((lsn) => makeEvent({ id: `m${lsn}`, lsn, source: 'a*[b]?' }));
    const others = ['ab]', 'a*[b]?x', 'aXbY'].map((source, lsn) => makeEvent({ id: 'o', lsn: lsn + 1, source }));
    await target.applyBatch([...mine, ...others]);
    // Someone else's keys where the pattern reaches: no version record, or one segment too many.
    await admin.set(`${prefix}:glob:a*[b]?:pk-1:foreign:_sync`, 'not a record');
    await admin.set(`${prefix}:glob:a*[b]?:pk-1:x:y:_sync`, '1 1 0 e');
    const listed = [];
    for await (const page of target.listDocuments('a*[b]?')) listed.push(...page);
    expect(listed.map((document) => document.documentId).sort()).toEqual(['m1', 'm2', 'm3', 'm4']);
  });

  it('reads back under a template without {source} and {partitionKey} from what the version record keeps', async () => {
    const target = await make({ keyTemplate: `${prefix}:byid:{id}`, format: 'json' });
    const event = makeEvent({ id: 'x', pk: ['t', 2], lsn: 4, source: 'orders' });
    await target.applyBatch([event]);
    const ref: DocumentRef = { source: 'orders', documentId: 'x', partitionKey: ['t', 2] };
    expect(await target.readVersions([ref, { ...ref, source: 'other' }, { ...ref, partitionKey: 't' }])).toEqual([
      { version: event.version, deleted: false },
      undefined,
      undefined,
    ]);
    // A record written before records kept the ref: readVersions trusts the key; the listing cannot name it.
    await admin.set(`${prefix}:byid:legacy:_sync`, '3 1700000003 0 e');
    expect(await target.readVersions([{ ...ref, documentId: 'legacy' }])).toEqual([
      { version: { lsn: 3, ts: 1_700_000_003 }, deleted: false },
    ]);
    const listed = [];
    for await (const page of target.listDocuments('orders')) listed.push(...page);
    expect(listed).toEqual([{ ...ref, version: event.version, deleted: false }]);
  });

  it('builds from config on a shared client that quits with its last user', async () => {
    const config = redisTargetSchema.parse({
      name: 'from-config',
      type: 'redis',
      subscription: 'redis',
      keyTemplate: `${prefix}:cfg:{id}`,
    });
    const connection: ResolvedConnection = {
      kind: 'connectionString',
      setting: 'RedisTargetTest',
      connectionString: REDIS_URL,
    };
    const one = createRedisTarget(config, connection);
    const two = createRedisTarget({ ...config, name: 'from-config-2' }, connection);
    await one.open();
    await two.open();
    await one.close();
    expect(await two.applyBatch([makeEvent({ id: 'c', lsn: 1 })])).toMatchObject([{ status: 'applied' }]);
    await two.close();
    await expect(two.applyBatch([])).rejects.toMatchObject({ code: 'REDIS_TARGET_NOT_OPEN' });
    expect(() => createRedisTarget(config, { ...connection, connectionString: '127.0.0.1:6379' })).toThrow(
      /RedisTargetTest: expected a URL/,
    );
  });
});
