/** The local Cosmos DB's LatestVersion change feed, read through the real @azure/cosmos SDK. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChangeFeedStartFrom, StatusCodes, type Container, type CosmosClient } from '@azure/cosmos';
import { startLocalCosmos, type LocalCosmos } from '../../local-stack/cosmos/index.js';
import { clientFor, drain, lsnFromSessionToken, newContainer, sleep, type FeedDocument } from './cosmos-helpers.js';

let local: LocalCosmos;
let client: CosmosClient;

beforeAll(async () => {
  local = await startLocalCosmos();
  client = clientFor(local);
});

afterAll(async () => {
  client?.dispose();
  await local?.close();
});

async function writeAll(writes: (() => Promise<unknown>)[], concurrency = 25): Promise<void> {
  for (let start = 0; start < writes.length; start += concurrency) {
    await Promise.all(writes.slice(start, start + concurrency).map(async (write) => write()));
  }
}

const idsOf = (items: FeedDocument[]): string[] => items.map((item) => item.id);

describe('local Cosmos DB change feed (LatestVersion)', () => {
  it('delivers the latest version of every document exactly once, in LSN order, across 1,000 writes', async () => {
    const container = await newContainer(client);
    const latestValue = new Map<string, number>();
    const creates = Array.from({ length: 400 }, (_, index) => async () => {
      await container.items.create({ id: `doc-${index}`, pk: `tenant-${index % 5}`, value: -1 });
      latestValue.set(`doc-${index}`, -1);
    });
    await writeAll(creates);
    // 7 and 400 are coprime, so the 25 concurrent updates of one round touch 25 different documents and each
    // document's latest value is still well defined.
    const updates = Array.from({ length: 600 }, (_, value) => async () => {
      const index = (value * 7) % 400;
      await container.items.upsert({ id: `doc-${index}`, pk: `tenant-${index % 5}`, value });
      latestValue.set(`doc-${index}`, value);
    });
    await writeAll(updates);

    const { items, pages, last } = await drain(
      container.items.getChangeFeedIterator<FeedDocument>({
        changeFeedStartFrom: ChangeFeedStartFrom.Beginning(),
        maxItemCount: 7,
      }),
    );

    expect(pages.every((page) => page.result.length > 0 && page.result.length <= 7)).toBe(true);
    expect(new Set(idsOf(items)).size).toBe(400);
    expect(items).toHaveLength(400);
    for (const item of items) expect(item.value).toBe(latestValue.get(item.id));
    const lsns = items.map((item) => item._lsn);
    expect(lsns).toEqual([...lsns].sort((a, b) => a - b));
    expect(new Set(lsns).size).toBe(lsns.length);
    expect(Math.max(...lsns)).toBe(1000);
    expect(lsnFromSessionToken(last.sessionToken)).toBe(1000);
  });

  it('resumes from a continuation token with only what changed since, never skipping or repeating', async () => {
    const container = await newContainer(client);
    for (let index = 0; index < 10; index += 1) await container.items.create({ id: `d${index}`, pk: 'a' });

    const first = container.items.getChangeFeedIterator<FeedDocument>({
      changeFeedStartFrom: ChangeFeedStartFrom.Beginning(),
      maxItemCount: 4,
    });
    const firstPage = await first.readNext();
    expect(idsOf(firstPage.result)).toEqual(['d0', 'd1', 'd2', 'd3']);

    const rest = await drain(
      container.items.getChangeFeedIterator<FeedDocument>({
        changeFeedStartFrom: ChangeFeedStartFrom.Continuation(firstPage.continuationToken),
        maxItemCount: 4,
      }),
    );
    expect(idsOf(rest.items)).toEqual(['d4', 'd5', 'd6', 'd7', 'd8', 'd9']);

    await container.items.create({ id: 'new-1', pk: 'b' });
    await container.item('d2', 'a').replace({ id: 'd2', pk: 'a', touched: true });
    await container.items.create({ id: 'new-2', pk: 'a' });

    const resumed = await drain(
      container.items.getChangeFeedIterator<FeedDocument>({
        changeFeedStartFrom: ChangeFeedStartFrom.Continuation(rest.last.continuationToken),
      }),
    );
    expect(idsOf(resumed.items)).toEqual(['new-1', 'd2', 'new-2']);
    expect(resumed.items[1]?.touched).toBe(true);
  });

  it('starts from the beginning, from now, from a point in time or from a continuation', async () => {
    const container = await newContainer(client);
    await container.items.create({ id: 'before-1', pk: 'a' });
    await container.items.create({ id: 'before-2', pk: 'a' });

    const fromNow = container.items.getChangeFeedIterator<FeedDocument>({
      changeFeedStartFrom: ChangeFeedStartFrom.Now(),
    });
    const nothingYet = await fromNow.readNext();
    expect(nothingYet.statusCode).toBe(StatusCodes.NotModified);
    const nowToken = nothingYet.continuationToken;

    // elapsed: start times travel as HTTP dates (whole seconds), so cross a second boundary between the two groups.
    await sleep(1000 - (Date.now() % 1000) + 20);
    const startTime = new Date();
    await container.items.create({ id: 'after-1', pk: 'a' });
    await container.items.create({ id: 'after-2', pk: 'b' });

    const fromBeginning = await drain(
      container.items.getChangeFeedIterator<FeedDocument>({ changeFeedStartFrom: ChangeFeedStartFrom.Beginning() }),
    );
    expect(idsOf(fromBeginning.items)).toEqual(['before-1', 'before-2', 'after-1', 'after-2']);

    const fromTime = await drain(
      container.items.getChangeFeedIterator<FeedDocument>({ changeFeedStartFrom: ChangeFeedStartFrom.Time(startTime) }),
    );
    expect(idsOf(fromTime.items)).toEqual(['after-1', 'after-2']);

    expect(idsOf((await drain(fromNow)).items)).toEqual(['after-1', 'after-2']);

    const fromContinuation = await drain(
      container.items.getChangeFeedIterator<FeedDocument>({
        changeFeedStartFrom: ChangeFeedStartFrom.Continuation(nowToken),
      }),
    );
    expect(idsOf(fromContinuation.items)).toEqual(['after-1', 'after-2']);
  });

  it('collapses several updates of one document into its latest version', async () => {
    const container = await newContainer(client);
    await container.items.create({ id: 'x', pk: 'a', step: 1 });
    await container.items.create({ id: 'y', pk: 'a', step: 1 });
    await container.item('x', 'a').replace({ id: 'x', pk: 'a', step: 2 });
    await container.items.upsert({ id: 'x', pk: 'a', step: 3 });
    await container.item('x', 'a').patch([{ op: 'incr', path: '/step', value: 1 }]);

    const { items } = await drain(
      container.items.getChangeFeedIterator<FeedDocument>({ changeFeedStartFrom: ChangeFeedStartFrom.Beginning() }),
    );
    expect(items.map((item) => [item.id, item.step, item._lsn])).toEqual([
      ['y', 1, 2],
      ['x', 4, 5],
    ]);
  });

  it('scopes a feed to one partition key', async () => {
    const container = await newContainer(client);
    await container.items.create({ id: '1', pk: 'mine' });
    await container.items.create({ id: '2', pk: 'other' });
    await container.items.create({ id: '3', pk: 'mine' });

    const iterator = container.items.getChangeFeedIterator<FeedDocument>({
      changeFeedStartFrom: ChangeFeedStartFrom.Beginning('mine'),
    });
    expect(idsOf((await drain(iterator)).items)).toEqual(['1', '3']);

    await container.items.create({ id: '4', pk: 'other' });
    await container.items.create({ id: '5', pk: 'mine' });
    const next = await drain(iterator);
    expect(idsOf(next.items)).toEqual(['5']);

    const legacy = await container.items.changeFeed('mine', { startFromBeginning: true }).fetchNext();
    expect(legacy.result.map((item: FeedDocument) => item.id)).toEqual(['1', '3', '5']);
  });

  it('reads the whole container through its single feed range', async () => {
    const container = await newContainer(client);
    await container.items.create({ id: '1', pk: 'a' });
    await container.items.create({ id: '2', pk: 'b' });
    const ranges = await container.getFeedRanges();
    expect(ranges).toHaveLength(1);
    const [range] = ranges;
    if (!range) throw new Error('no feed range');
    const { items } = await drain(
      container.items.getChangeFeedIterator<FeedDocument>({
        changeFeedStartFrom: ChangeFeedStartFrom.Beginning(range),
      }),
    );
    expect(idsOf(items)).toEqual(['1', '2']);
  });

  it('answers 304 with no items when nothing is new, and keeps hasMoreResults true', async () => {
    const container = await newContainer(client);
    const iterator = container.items.getChangeFeedIterator<FeedDocument>({
      changeFeedStartFrom: ChangeFeedStartFrom.Beginning(),
    });
    const empty = await iterator.readNext();
    expect(empty.statusCode).toBe(StatusCodes.NotModified);
    expect(empty.result).toEqual([]);
    expect(iterator.hasMoreResults).toBe(true);

    await container.items.create({ id: 'only', pk: 'a' });
    const page = await iterator.readNext();
    expect(page.statusCode).toBe(StatusCodes.Ok);
    expect(idsOf(page.result)).toEqual(['only']);

    const again = await iterator.readNext();
    expect(again.statusCode).toBe(StatusCodes.NotModified);
    expect(again.result).toEqual([]);
    expect(iterator.hasMoreResults).toBe(true);
  });

  it('reports the container LSN in the session token, so pending work = token LSN - first unread _lsn + 1', async () => {
    const container = await newContainer(client);
    for (let index = 1; index <= 5; index += 1) await container.items.create({ id: `d${index}`, pk: 'a' });
    const firstTwo = await container.items
      .getChangeFeedIterator<FeedDocument>({ changeFeedStartFrom: ChangeFeedStartFrom.Beginning(), maxItemCount: 2 })
      .readNext();
    for (let index = 6; index <= 8; index += 1) await container.items.create({ id: `d${index}`, pk: 'a' });

    // What a lag estimator does: read one change after the checkpoint and compare LSNs.
    const probe = await container.items
      .getChangeFeedIterator<FeedDocument>({
        changeFeedStartFrom: ChangeFeedStartFrom.Continuation(firstTwo.continuationToken),
        maxItemCount: 1,
      })
      .readNext();
    const latestLsn = lsnFromSessionToken(probe.sessionToken);
    const firstUnread = probe.result[0]?._lsn ?? Number.NaN;
    expect(probe.sessionToken).toBe('0:-1#8');
    expect(latestLsn - (firstUnread - 1)).toBe(6);

    const everything = await drain(
      container.items.getChangeFeedIterator<FeedDocument>({ changeFeedStartFrom: ChangeFeedStartFrom.Beginning() }),
    );
    expect(Math.max(...everything.items.map((item) => item._lsn))).toBe(
      lsnFromSessionToken(everything.last.sessionToken),
    );
  });

  it('keeps LSNs strictly increasing per container and independent across containers', async () => {
    const [first, second]: Container[] = [await newContainer(client), await newContainer(client)];
    if (!first || !second) throw new Error('containers were not created');
    const tokenLsns: number[][] = [[], []];
    for (let round = 0; round < 5; round += 1) {
      const written = await first.items.create({ id: `f${round}`, pk: 'a' });
      tokenLsns[0]?.push(lsnFromSessionToken(String(written.headers['x-ms-session-token'])));
      if (round % 2 === 0) {
        const other = await second.items.create({ id: `s${round}`, pk: 'a' });
        tokenLsns[1]?.push(lsnFromSessionToken(String(other.headers['x-ms-session-token'])));
      }
    }
    expect(tokenLsns).toEqual([
      [1, 2, 3, 4, 5],
      [1, 2, 3],
    ]);
    const start = { changeFeedStartFrom: ChangeFeedStartFrom.Beginning() };
    const firstFeed = await drain(first.items.getChangeFeedIterator<FeedDocument>(start));
    const secondFeed = await drain(second.items.getChangeFeedIterator<FeedDocument>(start));
    expect(firstFeed.items.map((item) => item._lsn)).toEqual([1, 2, 3, 4, 5]);
    expect(secondFeed.items.map((item) => item._lsn)).toEqual([1, 2, 3]);
  });

  it('starts a fresh history when a container is deleted and created again under the same name', async () => {
    const container = await newContainer(client);
    await container.items.create({ id: 'old', pk: 'a' });
    await container.delete();
    const { container: again } = await container.database.containers.create({
      id: container.id,
      partitionKey: { paths: ['/pk'] },
    });
    const { headers } = await again.items.create({ id: 'new', pk: 'a' });
    expect(lsnFromSessionToken(String(headers['x-ms-session-token']))).toBe(1);
    const { items } = await drain(
      again.items.getChangeFeedIterator<FeedDocument>({ changeFeedStartFrom: ChangeFeedStartFrom.Beginning() }),
    );
    expect(items.map((item) => [item.id, item._lsn])).toEqual([['new', 1]]);
  });
});
