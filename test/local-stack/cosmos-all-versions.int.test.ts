/** The local Cosmos DB's AllVersionsAndDeletes change feed and TTL, read through the real @azure/cosmos SDK. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ChangeFeedMode,
  ChangeFeedStartFrom,
  StatusCodes,
  type ChangeFeedPullModelIterator,
  type Container,
  type CosmosClient,
} from '@azure/cosmos';
import { startLocalCosmos, type LocalCosmos } from '../../local-stack/cosmos/index.js';
import { clientFor, drain, newContainer, sleep, type FeedDocument } from './cosmos-helpers.js';

/** An item of the all-versions feed, in the wire shape the SDK and the Functions trigger hand to handlers. */
interface ChangeItem {
  current?: FeedDocument;
  previous?: FeedDocument;
  metadata: {
    operationType: 'create' | 'replace' | 'delete';
    lsn: number;
    crts: number;
    previousImageLSN?: number;
    timeToLiveExpired?: boolean;
    id?: string;
    partitionKey?: Record<string, unknown>;
  };
}

let local: LocalCosmos;
let client: CosmosClient;

beforeAll(async () => {
  // A short sweep interval keeps the TTL tests quick.
  local = await startLocalCosmos({ ttlSweepIntervalMs: 50 });
  client = clientFor(local);
});

afterAll(async () => {
  client?.dispose();
  await local?.close();
});

/** An all-versions iterator positioned at "now" (its first read answers 304, as against Azure). */
async function allVersionsFromNow(
  container: Container,
  partitionKey?: string,
): Promise<ChangeFeedPullModelIterator<ChangeItem>> {
  const iterator = container.items.getChangeFeedIterator<ChangeItem>({
    changeFeedStartFrom: partitionKey === undefined ? ChangeFeedStartFrom.Now() : ChangeFeedStartFrom.Now(partitionKey),
    changeFeedMode: ChangeFeedMode.AllVersionsAndDeletes,
    maxItemCount: 3,
  });
  expect((await iterator.readNext()).statusCode).toBe(StatusCodes.NotModified);
  return iterator;
}

/** Polls until the feed has produced `count` items; TTL purges happen on the server's timer. */
async function readUntil(iterator: ChangeFeedPullModelIterator<ChangeItem>, count: number): Promise<ChangeItem[]> {
  const items: ChangeItem[] = [];
  const deadline = Date.now() + 10_000;
  while (items.length < count) {
    if (Date.now() > deadline) throw new Error(`only ${items.length} of ${count} changes arrived`);
    const page = await iterator.readNext();
    if (page.statusCode === StatusCodes.NotModified)
      await sleep(25); // poll: the feed again
    else items.push(...page.result);
  }
  return items;
}

describe('local Cosmos DB change feed (AllVersionsAndDeletes)', () => {
  it('reports every create, replace and delete with its metadata and previous image', async () => {
    const container = await newContainer(client);
    const iterator = await allVersionsFromNow(container);
    await container.items.create({ id: 'order-1', pk: 'tenant', status: 'new' });
    await container.item('order-1', 'tenant').replace({ id: 'order-1', pk: 'tenant', status: 'paid' });
    await container.items.upsert({ id: 'order-1', pk: 'tenant', status: 'shipped' });
    await container.item('order-1', 'tenant').delete();
    await container.items.create({ id: 'order-1', pk: 'tenant', status: 'reborn' });

    const { items } = await drain(iterator);
    expect(items.map((item) => [item.metadata.operationType, item.metadata.lsn])).toEqual([
      ['create', 1],
      ['replace', 2],
      ['replace', 3],
      ['delete', 4],
      ['create', 5],
    ]);
    const [created, paid, shipped, deleted, reborn] = items;
    expect(created?.current).toMatchObject({ id: 'order-1', status: 'new', _lsn: 1 });
    expect(created?.previous).toBeUndefined();
    expect(created?.metadata.previousImageLSN).toBeUndefined();
    expect(typeof created?.metadata.crts).toBe('number');
    expect(paid?.current?.status).toBe('paid');
    expect(paid?.previous).toMatchObject({ status: 'new', _lsn: 1 });
    expect(paid?.metadata.previousImageLSN).toBe(1);
    expect(shipped?.previous?.status).toBe('paid');
    expect(deleted?.current).toBeUndefined();
    expect(deleted?.previous).toMatchObject({ id: 'order-1', status: 'shipped', _lsn: 3 });
    expect(deleted?.metadata).toMatchObject({
      operationType: 'delete',
      previousImageLSN: 3,
      timeToLiveExpired: false,
      id: 'order-1',
      partitionKey: { pk: 'tenant' },
    });
    expect(reborn?.previous).toBeUndefined();
    expect(reborn?.current?.status).toBe('reborn');
  });

  it('pages with maxItemCount and resumes from a continuation without skipping or repeating', async () => {
    const container = await newContainer(client);
    const iterator = await allVersionsFromNow(container);
    const { continuationToken } = await iterator.readNext();
    for (let index = 0; index < 8; index += 1) {
      await container.items.create({ id: `d${index}`, pk: 'a', version: 0 });
      await container.items.upsert({ id: `d${index}`, pk: 'a', version: 1 });
    }
    await container.item('d0', 'a').delete();

    const firstPage = await iterator.readNext();
    expect(firstPage.result).toHaveLength(3);
    const resumed = await drain(
      container.items.getChangeFeedIterator<ChangeItem>({
        changeFeedStartFrom: ChangeFeedStartFrom.Continuation(firstPage.continuationToken),
        changeFeedMode: ChangeFeedMode.AllVersionsAndDeletes,
        maxItemCount: 3,
      }),
    );
    const lsns = [...firstPage.result, ...resumed.items].map((item) => item.metadata.lsn);
    expect(lsns).toEqual(Array.from({ length: 17 }, (_, index) => index + 1));

    const fromSavedToken = await drain(
      container.items.getChangeFeedIterator<ChangeItem>({
        changeFeedStartFrom: ChangeFeedStartFrom.Continuation(continuationToken),
        changeFeedMode: ChangeFeedMode.AllVersionsAndDeletes,
      }),
    );
    expect(fromSavedToken.items).toHaveLength(17);
  });

  it('sees only its own partition key when scoped to one', async () => {
    const container = await newContainer(client);
    const iterator = await allVersionsFromNow(container, 'mine');
    await container.items.create({ id: '1', pk: 'mine' });
    await container.items.create({ id: '2', pk: 'other' });
    await container.item('1', 'mine').delete();
    await container.item('2', 'other').delete();

    const { items } = await drain(iterator);
    expect(items.map((item) => [item.metadata.operationType, item.metadata.id ?? item.current?.id])).toEqual([
      ['create', '1'],
      ['delete', '1'],
    ]);
  });

  it('refuses to start from the beginning or from a point in time, as Azure does', async () => {
    const container = await newContainer(client);
    for (const changeFeedStartFrom of [ChangeFeedStartFrom.Beginning(), ChangeFeedStartFrom.Time(new Date())]) {
      const iterator = container.items.getChangeFeedIterator({
        changeFeedStartFrom,
        changeFeedMode: ChangeFeedMode.AllVersionsAndDeletes,
      });
      await expect(iterator.readNext()).rejects.toMatchObject({
        code: StatusCodes.BadRequest,
        message: expect.stringContaining('You must read the change feed from within the retention period.'),
      });
    }
  });

  it('purges expired documents and reports them as deletes with timeToLiveExpired', async () => {
    // Container TTL on with no default: only documents with their own ttl expire.
    const optIn = await newContainer(client, { defaultTtl: -1 });
    // Container TTL of one second: every document expires unless it opts out with ttl -1.
    const byDefault = await newContainer(client, { defaultTtl: 1 });
    const optInFeed = await allVersionsFromNow(optIn);
    const byDefaultFeed = await allVersionsFromNow(byDefault);
    await optIn.items.create({ id: 'keeps', pk: 'a' });
    await optIn.items.create({ id: 'short-lived', pk: 'a', ttl: 1 });
    // The project's soft delete: mark the document deleted and let TTL remove it.
    await optIn.items.create({ id: 'soft', pk: 'a' });
    await optIn.items.upsert({ id: 'soft', pk: 'a', _deleted: true, ttl: 1 });
    await byDefault.items.create({ id: 'default', pk: 'a' });
    await byDefault.items.create({ id: 'forever', pk: 'a', ttl: -1 });

    // Both containers expire during the same wait.
    const [optInChanges, byDefaultChanges] = await Promise.all([readUntil(optInFeed, 6), readUntil(byDefaultFeed, 3)]);

    const expiries = optInChanges.filter((item) => item.metadata.operationType === 'delete');
    expect(expiries.map((item) => item.metadata.id).sort()).toEqual(['short-lived', 'soft']);
    for (const expiry of expiries) expect(expiry.metadata.timeToLiveExpired).toBe(true);
    expect(expiries.find((item) => item.metadata.id === 'soft')?.previous?._deleted).toBe(true);
    const remaining = await optIn.items.query('SELECT VALUE c.id FROM c').fetchAll();
    expect(remaining.resources).toEqual(['keeps']);
    const latest = await drain(
      optIn.items.getChangeFeedIterator<FeedDocument>({ changeFeedStartFrom: ChangeFeedStartFrom.Beginning() }),
    );
    expect(latest.items.map((item) => item.id)).toEqual(['keeps']);

    expect(byDefaultChanges[2]?.metadata).toMatchObject({
      operationType: 'delete',
      id: 'default',
      timeToLiveExpired: true,
    });
    const { resource } = await byDefault.item('forever', 'a').read();
    expect(resource?.id).toBe('forever');
  });
});
