/**
 * Splitting a partition key range of the local Cosmos DB while a writer keeps writing, through the real @azure/cosmos
 * SDK: stale range ids get 410/1002, iterators over a feed range taken before the split carry on across it and lose
 * nothing (the all-versions feed sees every write exactly once), the children continue the parent's LSN sequence,
 * and every document's `_lsn` keeps growing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BulkOperationType, StatusCodes, type Container, type CosmosClient, type FeedRange } from '@azure/cosmos';
import { PARTITION_KEY_RANGE_GONE, startLocalCosmos, type LocalCosmos } from '../../local-stack/cosmos/index.js';
import { clientFor, sleep, wireClient, type FeedDocument, type WireClient } from './cosmos-helpers.js';
import {
  allVersionsFeed,
  drainAll,
  keysIn,
  latestVersionFeed,
  newRangedContainer,
  rangesOf,
  V2_KEY,
  type AllVersionsItem,
} from './cosmos-range-helpers.js';

let local: LocalCosmos;
let client: CosmosClient;
let send: WireClient;

beforeAll(async () => {
  local = await startLocalCosmos({ physicalPartitions: 8 });
  client = clientFor(local);
  send = wireClient(local);
});

afterAll(async () => {
  client?.dispose();
  await local?.close();
});

interface Write {
  id: string;
  v: number;
}

/** Upserts round-robin over the keys, one at a time, until stopped; records every acknowledged write. */
function startWriter(container: Container, keys: string[]): { writes: Write[]; stop: () => Promise<void> } {
  const writes: Write[] = [];
  let stopped = false;
  const done = (async () => {
    for (let v = 1; !stopped; v += 1) {
      const id = keys[v % keys.length] ?? '';
      await container.items.upsert({ id, pk: id, v });
      writes.push({ id, v });
    }
  })();
  return {
    writes,
    stop: async () => {
      stopped = true;
      await done;
    },
  };
}

/** Reads a feed until the writer has stopped and a read that began after that answers 304. */
function startReader<T>(read: () => Promise<{ statusCode: number; result: T[] }>, writerDone: () => boolean) {
  const items: T[] = [];
  const done = (async () => {
    for (;;) {
      const finished = writerDone();
      const response = await read();
      if (response.statusCode === StatusCodes.NotModified) {
        if (finished) return items;
        await sleep(5); // elapsed: let the writer make progress between empty polls
      } else items.push(...response.result);
    }
  })();
  return done;
}

async function until(condition: () => boolean): Promise<void> {
  while (!condition()) await sleep(5); // elapsed: waiting for the concurrent writer
}

describe('splitting a partition key range while writes continue', () => {
  it('keeps old feed ranges reading across two splits, losing nothing, with LSNs continuing', async () => {
    const container = await newRangedContainer(client);
    const before = await rangesOf(container);
    const feedRanges = await container.getFeedRanges();
    const parent = before[3];
    const oldFeedRange = feedRanges[3] as FeedRange;
    if (!parent) throw new Error('no range 3');
    const inside = keysIn(V2_KEY, parent, 12, 'in');
    const outside = keysIn(V2_KEY, before[5] ?? parent, 4, 'out');
    for (const key of inside) await container.items.create({ id: key, pk: key, v: 0 });

    const allVersions = allVersionsFeed(container, oldFeedRange);
    expect(await drainAll(allVersions)).toEqual([]);
    const latest = latestVersionFeed(container, oldFeedRange);
    const writer = startWriter(container, [...inside, ...outside]);
    let writerDone = false;
    const versions = startReader<AllVersionsItem>(
      () => allVersions.readNext(),
      () => writerDone,
    );
    const latestSeen = startReader<FeedDocument>(
      () => latest.readNext(),
      () => writerDone,
    );

    await until(() => writer.writes.length >= 100);
    const first = local.splitPartitionKeyRange({
      databaseId: container.database.id,
      containerId: container.id,
      rangeId: '3',
    });
    await until(() => writer.writes.length >= 200);
    const secondResponse = await send(
      'POST',
      `/_local/dbs/${container.database.id}/colls/${container.id}/pkranges/8/split`,
    );
    expect(secondResponse.status).toBe(200);
    const second = secondResponse.body as typeof first;
    await until(() => writer.writes.length >= 300);
    await writer.stop();
    writerDone = true;
    const [seenVersions, seenLatest] = await Promise.all([versions, latestSeen]);

    // The topology: 3 became 8 and 9, then 8 became 10 and 11, each child listing its ancestors.
    expect(first.parentId).toBe('3');
    expect(first.children.map((child) => child.id)).toEqual(['8', '9']);
    expect(second.children.map((child) => child.id)).toEqual(['10', '11']);
    const after = await rangesOf(container);
    expect(after.map((range) => range.id)).toEqual(['0', '1', '2', '10', '11', '9', '4', '5', '6', '7']);
    expect(after.find((range) => range.id === '9')?.parents).toEqual(['3']);
    expect(after.find((range) => range.id === '10')?.parents).toEqual(['3', '8']);
    expect(after.find((range) => range.id === '10')?.minInclusive).toBe(parent.minInclusive);
    expect(after.find((range) => range.id === '9')?.maxExclusive).toBe(parent.maxExclusive);
    expect((await container.getFeedRanges()).length).toBe(10);

    // Children start from the parent's LSN, never from 1.
    const [lower, upper] = first.children;
    expect(lower?.startLsn).toBe(upper?.startLsn);
    expect(lower?.startLsn).toBeGreaterThan(20);
    expect(second.children[0]?.startLsn).toBeGreaterThanOrEqual(lower?.startLsn ?? Infinity);

    // Every acknowledged write inside the old range is in the all-versions feed exactly once, and nothing else is.
    const expected = writer.writes
      .filter((write) => write.id.startsWith('in-'))
      .map((write) => `${write.id}@${write.v}`);
    const seen = seenVersions.map((item) => `${item.current?.id}@${item.current?.v}`);
    expect(seen.sort()).toEqual(expected.sort());
    // Per document, _lsn grows with every write, across both splits.
    for (const key of inside) {
      const mine = seenVersions
        .filter((item) => item.current?.id === key)
        .sort((a, b) => (a.current?.v ?? 0) - (b.current?.v ?? 0));
      const lsns = mine.map((item) => item.metadata.lsn);
      expect(lsns).toEqual([...lsns].sort((a, b) => a - b));
      expect(new Set(lsns).size).toBe(lsns.length);
      expect(mine.every((item) => item.current?._lsn === item.metadata.lsn)).toBe(true);
    }

    // The latest-version iterator from before the split ends holding every document's final version.
    const finalVersion = new Map<string, number>();
    for (const write of writer.writes) finalVersion.set(write.id, write.v);
    const latestVersion = new Map<string, number>();
    for (const item of seenLatest)
      latestVersion.set(item.id, Math.max(latestVersion.get(item.id) ?? -1, Number(item.v)));
    for (const key of inside) expect(latestVersion.get(key)).toBe(finalVersion.get(key));
    expect([...latestVersion.keys()].every((key) => key.startsWith('in-'))).toBe(true);

    // A whole-container read from the beginning sees each document once, at its final version.
    const whole = await drainAll(latestVersionFeed(container));
    expect(whole.map((item) => item.id).sort()).toEqual([...inside, ...outside].sort());
  });

  it('answers 410 with substatus 1002 to a read naming a split range, and the SDK recovers', async () => {
    const container = await newRangedContainer(client);
    const feedRanges = await container.getFeedRanges();
    const keys = keysIn(V2_KEY, feedRanges[2] as FeedRange, 6, 'gone');
    for (const key of keys) await container.items.create({ id: key, pk: key });
    const iterator = latestVersionFeed(container, feedRanges[2]);
    // Prime the SDK's range cache with the old topology.
    expect((await drainAll(iterator)).length).toBe(keys.length);
    local.splitPartitionKeyRange({ databaseId: container.database.id, containerId: container.id, rangeId: '2' });

    const path = `/dbs/${container.database.id}/colls/${container.id}/docs`;
    const stale = await send('GET', path, {
      headers: { 'a-im': 'Incremental feed', 'x-ms-documentdb-partitionkeyrangeid': '2' },
    });
    expect(stale.status).toBe(410);
    expect(stale.headers.get('x-ms-substatus')).toBe(String(PARTITION_KEY_RANGE_GONE));
    expect(stale.body).toMatchObject({ code: 'Gone' });
    const staleQuery = await send('POST', path, {
      headers: { 'content-type': 'application/query+json', 'x-ms-documentdb-partitionkeyrangeid': '2' },
      body: { query: 'SELECT * FROM c' },
    });
    expect(staleQuery.status).toBe(410);

    for (const key of keys) await container.items.upsert({ id: key, pk: key, again: true });
    const after = await drainAll(iterator);
    expect(after.map((item) => item.id).sort()).toEqual([...keys].sort());
    const fanned = await container.items.query('SELECT c.id FROM c', { forceQueryPlan: true }).fetchAll();
    expect(fanned.resources).toHaveLength(keys.length);
    const bulk = await container.items.executeBulkOperations(
      keys.map((key) => ({
        operationType: BulkOperationType.Upsert,
        partitionKey: key,
        resourceBody: { id: key, pk: key, bulk: true },
      })),
    );
    expect(bulk.map((result) => result.response?.statusCode ?? result.error?.message)).toEqual(keys.map(() => 200));
  });

  it('sends bulk batches for a split range back with 410/1002, and both bulk APIs regroup and succeed', async () => {
    const container = await newRangedContainer(client);
    const feedRanges = await container.getFeedRanges();
    const keys = keysIn(V2_KEY, feedRanges[6] as FeedRange, 20, 'bulk');
    // A second client whose range cache only ever saw the ranges before the split.
    const stale = clientFor(local);
    try {
      const staleContainer = stale.database(container.database.id).container(container.id);
      const upserts = (flag: string) =>
        keys.map((key) => ({
          operationType: BulkOperationType.Upsert,
          partitionKey: key,
          resourceBody: { id: key, pk: key, flag },
        }));
      const first = await staleContainer.items.executeBulkOperations(upserts('before'));
      expect(first.map((result) => result.response?.statusCode)).toEqual(keys.map(() => 201));
      local.splitPartitionKeyRange({ databaseId: container.database.id, containerId: container.id, rangeId: '6' });
      const path = `/dbs/${container.database.id}/colls/${container.id}/docs`;
      const goneBatch = await send('POST', path, {
        headers: { 'x-ms-cosmos-is-batch-request': 'true', 'x-ms-documentdb-partitionkeyrangeid': '6' },
        body: [],
      });
      expect(goneBatch.status).toBe(410);
      expect(goneBatch.headers.get('x-ms-substatus')).toBe('1002');
      const second = await staleContainer.items.executeBulkOperations(upserts('after'));
      expect(second.map((result) => result.response?.statusCode ?? result.error?.message)).toEqual(keys.map(() => 200));
      const legacy = await stale
        .database(container.database.id)
        .container(container.id)
        .items.bulk(upserts('legacy').map(({ resourceBody }) => ({ operationType: 'Upsert' as const, resourceBody })));
      expect(legacy.map((result) => result.statusCode)).toEqual(keys.map(() => 200));
      const { resources } = await container.items.query('SELECT VALUE c.flag FROM c').fetchAll();
      expect(resources).toEqual(keys.map(() => 'legacy'));
    } finally {
      stale.dispose();
    }
  });

  it('refuses splits of unknown containers or ranges and split points outside the range', async () => {
    const container = await newRangedContainer(client);
    const base = `/_local/dbs/${container.database.id}/colls/${container.id}/pkranges`;
    const rangesPath = `/dbs/${container.database.id}/colls/${container.id}/pkranges`;
    const incremental = { 'a-im': 'Incremental feed' };
    const firstRead = await send('GET', rangesPath, { headers: incremental });
    const etag = firstRead.headers.get('etag') ?? '';
    expect((await send('GET', rangesPath, { headers: { ...incremental, 'if-none-match': etag } })).status).toBe(304);
    expect((await send('POST', `${base}/42/split`)).status).toBe(404);
    expect((await send('POST', `/_local/dbs/nope/colls/nope/pkranges/0/split`)).status).toBe(404);
    expect((await send('POST', `${base}/0/split`, { body: { at: 'FF' } })).status).toBe(400);
    const ranges = await rangesOf(container);
    const at = ranges[1]?.minInclusive.replace(/^08/, '04') ?? '';
    const split = await send('POST', `${base}/0/split`, { body: { at } });
    expect(split.status).toBe(200);
    expect(split.body).toMatchObject({
      parentId: '0',
      children: [
        { id: '8', maxExclusive: at },
        { id: '9', minInclusive: at },
      ],
    });
    expect((await send('POST', `${base}/0/split`)).status).toBe(404);
    // After a split the incremental pkranges read answers again, with the children and a new etag.
    const changed = await send('GET', rangesPath, { headers: { ...incremental, 'if-none-match': etag } });
    expect(changed.status).toBe(200);
    expect(changed.headers.get('etag')).not.toBe(etag);
    const ids = (changed.body as { PartitionKeyRanges: { id: string; parents: string[] }[] }).PartitionKeyRanges;
    expect(ids.filter((range) => range.parents.includes('0')).map((range) => range.id)).toEqual(['8', '9']);
  });
});
