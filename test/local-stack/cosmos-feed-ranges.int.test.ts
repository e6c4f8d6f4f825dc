/**
 * The local Cosmos DB with several physical partitions, through the real @azure/cosmos SDK: the pkranges feed, where
 * documents land, per-range change feeds and LSN sequences (both modes), queries and point operations across ranges.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PartitionKeyKind, type Container, type CosmosClient } from '@azure/cosmos';
import { startLocalCosmos, type LocalCosmos } from '../../local-stack/cosmos/index.js';
import { clientFor, wireClient, type FeedDocument, type WireClient } from './cosmos-helpers.js';
import {
  allVersionsFeed,
  drainAll,
  epkOf,
  inFeedRange,
  latestVersionFeed,
  newRangedContainer,
  rangesOf,
  V2_KEY,
} from './cosmos-range-helpers.js';

const RANGES = 8;
let local: LocalCosmos;
let client: CosmosClient;
let send: WireClient;

beforeAll(async () => {
  local = await startLocalCosmos({ physicalPartitions: RANGES });
  client = clientFor(local);
  send = wireClient(local);
});

afterAll(async () => {
  client?.dispose();
  await local?.close();
});

async function seeded(count: number, partitionKey = V2_KEY): Promise<{ container: Container; keys: string[] }> {
  const container = await newRangedContainer(client, partitionKey);
  const keys = Array.from({ length: count }, (_, n) => `tenant-${n}`);
  for (const key of keys) await container.items.create({ id: key, pk: key, v: 1 });
  return { container, keys };
}

describe('a container with 8 partition key ranges', () => {
  it('serves 8 contiguous ranges in the shape of the service', async () => {
    const container = await newRangedContainer(client);
    const ranges = await rangesOf(container);
    expect(ranges.map((range) => range.id)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7']);
    expect(ranges[0]?.minInclusive).toBe('');
    expect(ranges.at(-1)?.maxExclusive).toBe('FF');
    ranges.slice(1).forEach((range, index) => expect(range.minInclusive).toBe(ranges[index]?.maxExclusive));
    // The V2 hash space (top two bits clear) cut in eight: the first inner boundary is 2^126 / 8.
    expect(ranges[1]?.minInclusive).toBe('08000000000000000000000000000000');
    for (const range of ranges) {
      expect(range).toMatchObject({ parents: [], status: 'online', throughputFraction: 1 / RANGES });
      expect(range.ridPrefix).toBe(Number(range.id));
      expect(range._rid).toMatch(/^[A-Za-z0-9+/]+=*$/);
    }
    const feedRanges = await container.getFeedRanges();
    expect(feedRanges.map((range) => [range.minInclusive, range.maxExclusive])).toEqual(
      ranges.map((range) => [range.minInclusive, range.maxExclusive]),
    );
  });

  it('puts each document in the range of its EPK, each range with its own LSN sequence', async () => {
    const { container, keys } = await seeded(200);
    const feedRanges = await container.getFeedRanges();
    const seen: string[] = [];
    for (const range of feedRanges) {
      const items = await drainAll(latestVersionFeed(container, range));
      expect(items.length).toBeGreaterThan(0);
      for (const item of items) expect(inFeedRange(epkOf(V2_KEY, item.pk), range)).toBe(true);
      // One write per document, so a range's LSNs are exactly 1..n: its own sequence, not the container's.
      expect(items.map((item) => item._lsn).sort((a, b) => a - b)).toEqual(items.map((_, index) => index + 1));
      seen.push(...items.map((item) => item.id));
    }
    expect(seen.sort()).toEqual([...keys].sort());
    const whole = await drainAll(latestVersionFeed(container));
    expect(whole.map((item) => item.id).sort()).toEqual([...keys].sort());
  });

  it('spreads V1-hashed keys (no version in the definition) over the ranges the SDK computes too', async () => {
    const v1 = { paths: ['/pk'] };
    const { container, keys } = await seeded(80, v1);
    const feedRanges = await container.getFeedRanges();
    const counts = await Promise.all(
      feedRanges.map(async (range) => (await drainAll(latestVersionFeed(container, range))).length),
    );
    expect(counts.reduce((sum, count) => sum + count, 0)).toBe(keys.length);
    expect(counts.filter((count) => count > 0).length).toBeGreaterThan(4);
    // A partition-key-scoped feed finds its document in whichever range holds it.
    const one = container.items.getChangeFeedIterator<FeedDocument>({
      changeFeedStartFrom: (await import('@azure/cosmos')).ChangeFeedStartFrom.Beginning(keys[7]),
    });
    expect((await drainAll(one)).map((item) => item.id)).toEqual([keys[7]]);
  });

  it('spreads hierarchical (MultiHash) keys over the ranges too', async () => {
    const container = await newRangedContainer(client, {
      paths: ['/pk', '/sub'],
      kind: PartitionKeyKind.MultiHash,
      version: 2,
    });
    const ids = Array.from({ length: 40 }, (_, n) => `h-${n}`);
    for (const id of ids) await container.items.create({ id, pk: `tenant-${id}`, sub: 'x' });
    const feedRanges = await container.getFeedRanges();
    const counts = await Promise.all(
      feedRanges.map(async (range) => (await drainAll(latestVersionFeed(container, range))).length),
    );
    expect(counts.reduce((sum, count) => sum + count, 0)).toBe(ids.length);
    expect(counts.filter((count) => count > 0).length).toBeGreaterThan(4);
    const read = await container.item('h-3', ['tenant-h-3', 'x']).read<FeedDocument>();
    expect(read.resource?.id).toBe('h-3');
  });

  it('serves the all-versions feed per range, with per-range LSNs', async () => {
    const { container, keys } = await seeded(60);
    const feedRanges = await container.getFeedRanges();
    const iterators = feedRanges.map((range) => allVersionsFeed(container, range));
    for (const iterator of iterators) expect(await drainAll(iterator)).toEqual([]);
    for (const key of keys) await container.item(key, key).replace({ id: key, pk: key, v: 2 });
    for (const key of keys.slice(0, 10)) await container.item(key, key).delete();
    const all: string[] = [];
    for (const [index, iterator] of iterators.entries()) {
      const range = feedRanges[index];
      if (!range) throw new Error('missing range');
      const items = await drainAll(iterator);
      for (const item of items) {
        const id = item.current?.id ?? item.metadata.id ?? '';
        expect(inFeedRange(epkOf(V2_KEY, id), range)).toBe(true);
        all.push(`${item.metadata.operationType}:${id}`);
      }
      const lsns = items.map((item) => item.metadata.lsn);
      expect(lsns).toEqual([...lsns].sort((a, b) => a - b));
      // Each range wrote its documents once before, so its sequence carries on from its own count, not the container's.
      const firstWritesHere = keys.filter((key) => inFeedRange(epkOf(V2_KEY, key), range)).length;
      if (lsns.length > 0) expect(lsns[0]).toBe(firstWritesHere + 1);
    }
    expect(all.filter((entry) => entry.startsWith('replace:')).length).toBe(keys.length);
    expect(all.filter((entry) => entry.startsWith('delete:')).length).toBe(10);
  });

  it('answers queries, read-alls and point operations across all ranges without duplicates', async () => {
    const { container, keys } = await seeded(50);
    const plain = await container.items.query('SELECT * FROM c').fetchAll();
    expect(plain.resources).toHaveLength(keys.length);
    // With a query plan the SDK fans out one request per range, each answered from that range only.
    const fanned = await container.items.query('SELECT c.id FROM c', { forceQueryPlan: true }).fetchAll();
    expect(fanned.resources.map((item: { id: string }) => item.id).sort()).toEqual([...keys].sort());
    expect((await container.items.readAll().fetchAll()).resources).toHaveLength(keys.length);
    const read = await container.item(keys[3] ?? '', keys[3]).read<FeedDocument>();
    expect(read.resource?.id).toBe(keys[3]);
    const scoped = await container.items.query('SELECT * FROM c', { partitionKey: keys[4] }).fetchAll();
    expect(scoped.resources).toHaveLength(1);
  });

  it('reads feed ranges smaller than a physical range (x-ms-start-epk / x-ms-end-epk)', async () => {
    // The same server, with containers named fine-* cut into 16 ranges: their feed ranges are halves of the 8 here.
    const fine = await startLocalCosmos({
      physicalPartitions: ({ containerId }) => (containerId.startsWith('fine-') ? 16 : RANGES),
    });
    const fineClient = clientFor(fine);
    try {
      const { database } = await fineClient.databases.create({ id: 'halves' });
      const { container: sixteen } = await database.containers.create({ id: 'fine-ranges', partitionKey: V2_KEY });
      const { container: eight } = await database.containers.create({ id: 'coarse', partitionKey: V2_KEY });
      const halves = await sixteen.getFeedRanges();
      expect(halves).toHaveLength(16);
      expect(await eight.getFeedRanges()).toHaveLength(RANGES);
      const keys = Array.from({ length: 120 }, (_, n) => `half-${n}`);
      for (const key of keys) await eight.items.create({ id: key, pk: key });
      const seen: string[] = [];
      for (const half of halves) {
        const items = await drainAll(latestVersionFeed(eight, half));
        for (const item of items) expect(inFeedRange(epkOf(V2_KEY, item.pk), half)).toBe(true);
        seen.push(...items.map((item) => item.id));
      }
      expect(seen.sort()).toEqual([...keys].sort());
    } finally {
      fineClient.dispose();
      await fine.close();
    }
  });

  it('refuses a partition count outside 1..1024, naming the setting', async () => {
    await expect(startLocalCosmos({ physicalPartitions: 0 })).rejects.toThrow(/physicalPartitions/);
    const odd = await startLocalCosmos({ physicalPartitions: () => 2.5 });
    const oddClient = clientFor(odd);
    try {
      const { database } = await oddClient.databases.create({ id: 'odd' });
      const { container } = await database.containers.create({ id: 'c', partitionKey: V2_KEY });
      await expect(container.items.create({ id: 'a', pk: 'a' })).rejects.toMatchObject({
        code: 400,
        message: expect.stringMatching(/physicalPartitions must be an integer/),
      });
    } finally {
      oddClient.dispose();
      await odd.close();
    }
  });

  it('names the written range in the session token', async () => {
    const container = await newRangedContainer(client);
    const ranges = await rangesOf(container);
    const key = 'session-key';
    const range = ranges.find((candidate) => inFeedRange(epkOf(V2_KEY, key), candidate));
    const created = await container.items.create({ id: key, pk: key });
    expect(created.headers['x-ms-session-token']).toBe(`${range?.id}:-1#1`);
  });

  it('answers 400 to a change feed read that names no range on a multi-range container', async () => {
    const container = await newRangedContainer(client);
    const path = `/dbs/${container.database.id}/colls/${container.id}/docs`;
    const response = await send('GET', path, { headers: { 'a-im': 'Incremental feed' } });
    expect(response.status).toBe(400);
    const ranged = await send('GET', path, {
      headers: { 'a-im': 'Incremental feed', 'x-ms-documentdb-partitionkeyrangeid': '5' },
    });
    expect(ranged.status).toBe(304);
    expect(ranged.headers.get('x-ms-session-token')).toBe('5:-1#0');
  });
});
