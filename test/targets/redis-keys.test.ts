import { describe, expect, it } from 'vitest';
import { redisTargetSchema } from '../../shared/targets/redis/config.js';
import { isTransientRedisError, keyError } from '../../shared/targets/redis/errors.js';
import {
  compileKeyParser,
  compileKeyTemplate,
  decodePartitionKey,
  encodePartitionKey,
  escapeKeyPart,
  keyTemplateProblem,
  sourcePattern,
  templateHas,
  unescapeKeyPart,
} from '../../shared/targets/redis/keys.js';
import { checkSliceLimits, DEFAULT_SLICE_LIMITS, Slice, type SliceLimits } from '../../shared/targets/redis/slices.js';
import { parseVersionRecord, versionRecord } from '../../shared/targets/redis/scripts.js';
import { eventArgs } from '../../shared/targets/redis/values.js';
import { makeEvent } from '../support/events.js';

const base = { name: 'cache', type: 'redis', subscription: 'redis-target' } as const;

describe('redis key templates', () => {
  it('accepts whole-segment placeholders and names the field in every refusal', () => {
    expect(keyTemplateProblem('{source}:{partitionKey}:{id}')).toBeUndefined();
    expect(keyTemplateProblem('cache:v1:{id}')).toBeUndefined();
    expect(keyTemplateProblem('{source}:{partitionKey}')).toMatch(/^keyTemplate: must contain \{id\}/);
    expect(keyTemplateProblem('doc-{id}')).toMatch(/^keyTemplate: "doc-\{id\}" mixes a placeholder/);
    expect(keyTemplateProblem('{id}:{tenant}')).toMatch(/^keyTemplate: unknown placeholder \{tenant\}/);
    expect(keyTemplateProblem('{id}:{id}')).toMatch(/^keyTemplate: \{id\} appears twice/);
    expect(keyTemplateProblem('a::{id}')).toMatch(/^keyTemplate: .*empty segment/);
    expect(keyTemplateProblem('a*:{id}')).toMatch(/^keyTemplate: .*glob/);
    expect(keyTemplateProblem('a b:{id}')).toMatch(/^keyTemplate: whitespace/);
  });

  it('escapes values so that no id or partition key can add a segment or a hash tag', () => {
    expect(escapeKeyPart('a:b%c{d}')).toBe('a%3Ab%25c%7Bd%7D');
    const key = compileKeyTemplate('c:{source}:{partitionKey}:{id}');
    expect(key({ source: 'orders', partitionKey: 'tenant:1', id: 'x:y' })).toBe('c:orders:tenant%3A1:x%3Ay');
    // Without escaping these two would both be c:s:a:b:c.
    const first = key({ source: 's', partitionKey: 'a:b', id: 'c' });
    const second = key({ source: 's', partitionKey: 'a', id: 'b:c' });
    expect(first).not.toBe(second);
    for (const built of [first, second]) expect(built.split(':')).toHaveLength(4);
  });

  it('keeps partition keys of different JSON types apart', () => {
    const encoded = ['1', 1, true, 'true', null, 'null', ['a', 1], '%J1'].map((value) => encodePartitionKey(value));
    expect(new Set(encoded).size).toBe(encoded.length);
    expect(encodePartitionKey(['a', 1])).toBe('%J["a",1]');
    expect(encodePartitionKey('%J1')).toBe('%25J1');
  });
});

describe('redis keys read back', () => {
  const values = ['plain', 'a:b%c{d}', '%3A', '*?[x]\\', 'ü 😀', ''];
  const keys = ['1', 1, -7.5, true, false, null, ['a:b', 1, null], '%J1', ...values];

  it('unescapes ids and decodes partition keys of every type back to what was encoded', () => {
    for (const value of values) expect(unescapeKeyPart(escapeKeyPart(value))).toBe(value);
    for (const key of keys) expect(decodePartitionKey(encodePartitionKey(key))).toEqual(key);
    // Text escaping never produces: someone else's key.
    expect(unescapeKeyPart('50%')).toBeUndefined();
    expect(decodePartitionKey('%Jnot-json')).toBeUndefined();
  });

  it('parses a key back into the parts its template spells, and refuses keys of another shape', () => {
    const template = 'c:{source}:{partitionKey}:{id}';
    const build = compileKeyTemplate(template);
    const parse = compileKeyParser(template);
    for (const partitionKey of keys) {
      const parts = { source: 's:1', partitionKey, id: 'a:b{c}%' };
      expect(parse(build(parts))).toEqual(parts);
    }
    expect(parse('c:s:p')).toBeUndefined();
    expect(parse('d:s:p:i')).toBeUndefined();
    expect(parse('c:s:p:i:_sync')).toBeUndefined();
    expect(compileKeyParser('cache:{id}')('cache:x%3Ay')).toEqual({ id: 'x:y' });
    expect(templateHas(template, 'source')).toBe(true);
    expect(templateHas('cache:{id}', 'partitionKey')).toBe(false);
  });

  it('matches the keys of one source with a pattern whose glob characters come only from placeholders', () => {
    expect(sourcePattern('c:{source}:{partitionKey}:{id}', 'a*b?:[x]')).toBe('c:a\\*b\\?%3A\\[x\\]:*:*');
    expect(sourcePattern('c:{id}', 'orders')).toBe('c:*');
  });

  it('keeps the source and partition key in the version record when the key does not spell them', () => {
    const event = makeEvent({ id: 'd', pk: ['t', 1], lsn: 3, source: 'orders' });
    const settings = { key: 'k', versionKey: 'k:_sync', format: 'json' as const, maxValueBytes: 1024 };
    const { args } = eventArgs(event, { ...settings, recordRef: true });
    expect(parseVersionRecord(args[0] as string)).toEqual({
      lsn: 3,
      ts: event.version.ts,
      deleted: false,
      eventId: event.eventId,
      ref: { source: 'orders', partitionKey: ['t', 1] },
    });
    expect(parseVersionRecord(eventArgs(event, settings).args[0] as string)).not.toHaveProperty('ref');
    expect(parseVersionRecord('1 2 0 e\nnot json')).toBeUndefined();
  });
});

describe('redis target config', () => {
  it('fills safe defaults', () => {
    expect(redisTargetSchema.parse(base)).toMatchObject({
      connection: 'RedisTarget',
      keyTemplate: '{source}:{partitionKey}:{id}',
      format: 'json',
      tombstoneTtlSeconds: 604_800,
      maxValueBytes: 512 * 1024 * 1024,
    });
  });

  it('rejects a bad template, format or TTL with the field in the message', () => {
    const parsed = redisTargetSchema.safeParse({ ...base, keyTemplate: '{id}-{source}', format: 'xml', ttlSeconds: 0 });
    expect(parsed.success).toBe(false);
    const issues = parsed.error?.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`) ?? [];
    expect(issues).toEqual([
      expect.stringMatching(/^keyTemplate: "\{id\}-\{source\}" mixes a placeholder/),
      expect.stringMatching(/^format: /),
      expect.stringMatching(/^ttlSeconds: /),
    ]);
  });
});

describe('redis guard arguments', () => {
  const settings = { key: 'k', versionKey: 'k:_sync', format: 'json' as const, maxValueBytes: 1024 };

  it('sends the keys, the version record and the value without system properties', () => {
    const upsert = eventArgs(makeEvent({ id: 'd', lsn: 5, ts: 9, data: { v: 1, _etag: 'e' } }), settings);
    expect(upsert.keys).toEqual(['k', 'k:_sync']);
    expect(parseVersionRecord(upsert.args[0] as string)).toEqual({
      lsn: 5,
      ts: 9,
      deleted: false,
      eventId: expect.any(String),
    });
    expect(JSON.parse(upsert.args[1] as string)).toEqual({ id: 'd', pk: 'pk-1', v: 1 });
    const remove = eventArgs(makeEvent({ id: 'd', lsn: 6, op: 'delete' }), settings);
    expect(remove.args).toEqual([expect.stringMatching(/^6 1700000006 1 [0-9a-f]{64}$/), '']);
  });

  it('writes hash fields as JSON and drops a field that would forge the version record', () => {
    const event = makeEvent({ id: 'd', lsn: 1, data: { n: 1, s: '1', o: { a: [1] }, _sync: '999 0 0 x' } });
    const { keys, args } = eventArgs(event, { ...settings, format: 'hash' });
    expect(keys).toEqual(['k']);
    const count = Number(args[1]);
    const pairs = args.slice(2);
    expect(pairs).toHaveLength(count);
    const fields = Object.fromEntries(
      Array.from({ length: count / 2 }, (_, index) => [pairs[index * 2], pairs[index * 2 + 1]]),
    );
    expect(fields).toEqual({ id: '"d"', pk: '"pk-1"', n: '1', s: '"1"', o: '{"a":[1]}' });
  });

  it('reads back version records and refuses other text', () => {
    expect(parseVersionRecord(versionRecord(12, 1_700_000_012, true, 'e'))).toEqual({
      lsn: 12,
      ts: 1_700_000_012,
      deleted: true,
      eventId: 'e',
    });
    expect(parseVersionRecord('{"lsn":1}')).toBeUndefined();
  });

  it('projects documents, and refuses a projection that returns no object (it would read as a delete)', () => {
    const event = makeEvent({ id: 'd', lsn: 1, data: { v: 1 } });
    const projected = eventArgs(event, { ...settings, project: (document) => ({ only: document['v'] }) });
    expect(projected.args[1]).toBe('{"only":1}');
    const broken = (() => undefined) as unknown as NonNullable<Parameters<typeof eventArgs>[1]['project']>;
    expect(() => eventArgs(event, { ...settings, project: broken })).toThrow(/did not return an object/);
  });

  it('refuses a value larger than the server accepts, for that event only', () => {
    expect(() => eventArgs(makeEvent({ id: 'big', lsn: 1, data: { x: 'x'.repeat(2_000) } }), settings)).toThrow(
      expect.objectContaining({ code: 'REDIS_VALUE_TOO_LARGE', retryable: false }),
    );
  });

  it('cuts a batch into script calls bounded by events and bytes', () => {
    const cut = (sizes: number[], limits: SliceLimits) => {
      const slices = [new Slice<number>(limits, ['ttl'])];
      sizes.forEach((bytes, index) => {
        const call = { keys: [`k${index}`], args: [`a${index}`], bytes };
        if (!slices.at(-1)?.fits(call)) slices.push(new Slice<number>(limits, ['ttl']));
        slices.at(-1)?.add(index, call);
      });
      return slices;
    };
    const defaults = cut(Array<number>(500).fill(400), DEFAULT_SLICE_LIMITS);
    expect(defaults.map((slice) => slice.items.length)).toEqual(Array<number>(10).fill(50));
    expect(defaults[1]?.keys.slice(0, 2)).toEqual(['k50', 'k51']);
    expect(defaults[1]?.args.slice(0, 3)).toEqual(['ttl', 'a50', 'a51']);
    // An event larger than maxBytes still goes, alone in its call.
    const sizes = cut([3, 3, 9, 1], { maxEvents: 10, maxBytes: 8 });
    expect(sizes.map((slice) => slice.items)).toEqual([[0, 1], [2], [3]]);
    expect(() => checkSliceLimits({ maxEvents: 1_001, maxBytes: 8 })).toThrow(/maxEvents/);
    expect(() => checkSliceLimits({ maxEvents: 0, maxBytes: 8 })).toThrow(/maxEvents/);
  });

  it('treats "not now" replies and lost connections as transient, other replies as the key\'s problem', () => {
    const reply = (message: string) => Object.assign(new Error(message), { name: 'ReplyError' });
    for (const message of ['LOADING Redis is loading', 'BUSY script running', 'OOM command not allowed', 'READONLY'])
      expect(isTransientRedisError(reply(message)), message).toBe(true);
    expect(isTransientRedisError(new Error('Connection is closed.'))).toBe(true);
    expect(isTransientRedisError(new Error("Stream isn't writeable and enableOfflineQueue options is false"))).toBe(
      true,
    );
    const wrongType = 'WRONGTYPE Operation against a key holding the wrong kind of value';
    expect(isTransientRedisError(reply(wrongType))).toBe(false);
    expect(keyError('d', wrongType)).toMatchObject({ code: 'REDIS_WRONGTYPE', retryable: false });
  });
});
