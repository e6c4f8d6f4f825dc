/** Writes against the local Cosmos DB through the real @azure/cosmos SDK: conditions, limits, errors, bulk and batch. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  BulkOperationType,
  ChangeFeedStartFrom,
  CosmosClient,
  StatusCodes,
  type Container,
  type OperationInput,
} from '@azure/cosmos';
import { startLocalCosmos, type LocalCosmos } from '../../local-stack/cosmos/index.js';
import { clientFor, drain, lsnFromSessionToken, newContainer, type FeedDocument } from './cosmos-helpers.js';

let local: LocalCosmos;
let client: CosmosClient;
let container: Container;

beforeAll(async () => {
  local = await startLocalCosmos();
  client = clientFor(local);
  container = await newContainer(client);
});

afterAll(async () => {
  client?.dispose();
  await local?.close();
});

const twoMegabytes = 'x'.repeat(2 * 1024 * 1024);

async function feedIds(target: Container): Promise<string[]> {
  const { items } = await drain(
    target.items.getChangeFeedIterator<FeedDocument>({ changeFeedStartFrom: ChangeFeedStartFrom.Beginning() }),
  );
  return items.map((item) => item.id);
}

describe('local Cosmos DB writes', () => {
  it('enforces create conflicts and If-Match preconditions, with a new _etag on every write', async () => {
    const { resource: created } = await container.items.create({ id: 'lease-1', pk: 'leases', owner: 'a' });
    await expect(container.items.create({ id: 'lease-1', pk: 'leases' })).rejects.toMatchObject({
      code: StatusCodes.Conflict,
      body: { code: 'Conflict' },
    });

    const lease = container.item('lease-1', 'leases');
    const ifMatch = (etag: string | undefined) => ({ accessCondition: { type: 'IfMatch', condition: etag ?? '' } });
    const { resource: taken } = await lease.replace(
      { id: 'lease-1', pk: 'leases', owner: 'b' },
      ifMatch(created?._etag),
    );
    expect(taken?._etag).not.toBe(created?._etag);
    // A second owner still holding the old _etag loses the race.
    await expect(
      lease.replace({ id: 'lease-1', pk: 'leases', owner: 'c' }, ifMatch(created?._etag)),
    ).rejects.toMatchObject({
      code: StatusCodes.PreconditionFailed,
      body: { code: 'PreconditionFailed' },
    });
    await expect(lease.delete(ifMatch(created?._etag))).rejects.toMatchObject({ code: StatusCodes.PreconditionFailed });

    const { resource: upserted } = await container.items.upsert({ id: 'lease-1', pk: 'leases', owner: 'd' });
    const { resource: patched } = await lease.patch([{ op: 'set', path: '/owner', value: 'e' }]);
    const etags = [created?._etag, taken?._etag, upserted?._etag, patched?._etag];
    expect(new Set(etags).size).toBe(4);
    expect(etags.every((etag) => typeof etag === 'string' && /^".+"$/.test(etag))).toBe(true);

    expect((await lease.delete(ifMatch(patched?._etag))).statusCode).toBe(StatusCodes.NoContent);
  });

  it('refuses documents over 2 MB with 413 RequestEntityTooLarge through create, upsert, replace and patch', async () => {
    const target = await newContainer(client);
    await target.items.create({ id: 'small', pk: 'a' });
    const tooLarge = { code: 413, body: { code: 'RequestEntityTooLarge' } };
    await expect(target.items.create({ id: 'big', pk: 'a', blob: twoMegabytes })).rejects.toMatchObject(tooLarge);
    await expect(target.items.upsert({ id: 'big', pk: 'a', blob: twoMegabytes })).rejects.toMatchObject(tooLarge);
    await expect(target.items.upsert({ id: 'small', pk: 'a', blob: twoMegabytes })).rejects.toMatchObject(tooLarge);
    await expect(target.item('small', 'a').replace({ id: 'small', pk: 'a', blob: twoMegabytes })).rejects.toMatchObject(
      tooLarge,
    );
    await expect(
      target.item('small', 'a').patch([{ op: 'add', path: '/blob', value: twoMegabytes }]),
    ).rejects.toMatchObject(tooLarge);
    // Refused writes leave no trace: the only change is the first create.
    const { headers } = await target.item('small', 'a').read();
    expect(lsnFromSessionToken(String(headers['x-ms-session-token']))).toBe(1);
    expect(await feedIds(target)).toEqual(['small']);
  });

  it('answers bad requests with Cosmos-like errors', async () => {
    await expect(client.database('no-such-db').read()).rejects.toMatchObject({ code: 404, body: { code: 'NotFound' } });
    const missingContainer = client.database(container.database.id).container('no-such-container');
    await expect(missingContainer.read()).rejects.toMatchObject({ code: 404 });
    await expect(missingContainer.items.create({ id: 'x', pk: 'a' })).rejects.toMatchObject({ code: 404 });
    await expect(client.database('no-such-db').container('c').items.upsert({ id: 'x', pk: 'a' })).rejects.toMatchObject(
      { code: 404 },
    );
    expect((await container.item('never-written', 'a').read()).statusCode).toBe(StatusCodes.NotFound);
    await expect(container.item('never-written', 'a').delete()).rejects.toMatchObject({ code: 404 });

    const path = `dbs/${container.database.id}/colls/${container.id}/docs`;
    const response = await fetch(new URL(path, local.endpoint), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-ms-documentdb-partitionkey': '["a"]' },
      body: '{"id": "broken",',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: 'BadRequest' });
  });

  it('puts bulk writes in the change feed, through both bulk APIs', async () => {
    const target = await newContainer(client);
    const operations: OperationInput[] = [
      ...Array.from({ length: 10 }, (_, index) => ({
        operationType: BulkOperationType.Create,
        resourceBody: { id: `bulk-${index}`, pk: `p${index % 3}` },
      })),
      { operationType: BulkOperationType.Upsert, resourceBody: { id: 'bulk-0', pk: 'p0', updated: true } },
      { operationType: BulkOperationType.Delete, id: 'bulk-1', partitionKey: 'p1' },
      {
        operationType: BulkOperationType.Patch,
        id: 'bulk-2',
        partitionKey: 'p2',
        resourceBody: { operations: [{ op: 'set', path: '/patched', value: true }] },
      },
      { operationType: BulkOperationType.Create, resourceBody: { id: 'bulk-3', pk: 'p0' } },
    ];
    const results = await target.items.bulk(operations);
    expect(results.map((result) => result.statusCode)).toEqual([...Array(10).fill(201), 200, 204, 200, 409]);

    const executed = await target.items.executeBulkOperations([
      { operationType: BulkOperationType.Create, partitionKey: 'p9', resourceBody: { id: 'exec-1', pk: 'p9' } },
      { operationType: BulkOperationType.Create, partitionKey: 'p9', resourceBody: { id: 'exec-2', pk: 'p9' } },
    ]);
    expect(executed.map((result) => result.response?.statusCode)).toEqual([201, 201]);

    const expected = ['bulk-3', 'bulk-4', 'bulk-5', 'bulk-6', 'bulk-7', 'bulk-8', 'bulk-9', 'bulk-0', 'bulk-2'];
    expect(await feedIds(target)).toEqual([...expected, 'exec-1', 'exec-2']);
  });

  it('leaves the document out of bulk write answers when asked for no content, but not out of reads', async () => {
    const target = await newContainer(client);
    await target.items.create({ id: 'kept', pk: 'p0', value: 1 });
    const minimal = await target.items.bulk(
      [
        { operationType: BulkOperationType.Create, resourceBody: { id: 'new', pk: 'p0' } },
        { operationType: BulkOperationType.Upsert, resourceBody: { id: 'kept', pk: 'p0', value: 2 } },
        { operationType: BulkOperationType.Read, id: 'kept', partitionKey: 'p0' },
      ],
      { continueOnError: true },
      { contentResponseOnWriteEnabled: false },
    );
    expect(minimal.map((result) => result.statusCode)).toEqual([201, 200, 200]);
    expect(minimal.map((result) => result.resourceBody)).toEqual([
      undefined,
      undefined,
      expect.objectContaining({ id: 'kept', value: 2 }),
    ]);
    expect(minimal.every((result) => typeof result.eTag === 'string' && result.eTag.startsWith('"'))).toBe(true);

    const full = await target.items.bulk([
      { operationType: BulkOperationType.Create, resourceBody: { id: 'other', pk: 'p0' } },
    ]);
    expect(full[0]?.resourceBody).toMatchObject({ id: 'other', pk: 'p0' });
  });

  it('makes a transactional batch all-or-nothing', async () => {
    const target = await newContainer(client);
    const failing = await target.items.batch(
      [
        { operationType: BulkOperationType.Create, resourceBody: { id: 'a', pk: 'order-7' } },
        { operationType: BulkOperationType.Create, resourceBody: { id: 'b', pk: 'order-7' } },
        { operationType: BulkOperationType.Create, resourceBody: { id: 'a', pk: 'order-7' } },
      ],
      'order-7',
    );
    expect(failing.code).toBe(207);
    expect(failing.result?.map((result) => result.statusCode)).toEqual([424, 424, 409]);
    expect((await target.item('a', 'order-7').read()).statusCode).toBe(StatusCodes.NotFound);
    expect(await feedIds(target)).toEqual([]);

    const succeeding = await target.items.batch(
      [
        { operationType: BulkOperationType.Create, resourceBody: { id: 'a', pk: 'order-7' } },
        { operationType: BulkOperationType.Upsert, resourceBody: { id: 'b', pk: 'order-7' } },
        {
          operationType: BulkOperationType.Patch,
          id: 'a',
          resourceBody: { operations: [{ op: 'set', path: '/state', value: 'paid' }] },
        },
      ],
      'order-7',
    );
    expect(succeeding.code).toBe(200);
    expect(succeeding.result?.map((result) => result.statusCode)).toEqual([201, 201, 200]);
    const { items } = await drain(
      target.items.getChangeFeedIterator<FeedDocument>({ changeFeedStartFrom: ChangeFeedStartFrom.Beginning() }),
    );
    expect(items.map((item) => [item.id, item._lsn, item.state])).toEqual([
      ['b', 2, undefined],
      ['a', 3, 'paid'],
    ]);
  });

  it('runs queries with and without a client-side query plan, scoped to a partition key when given one', async () => {
    const target = await newContainer(client);
    for (const [index, pk] of ['a', 'b', 'a'].entries())
      await target.items.create({ id: `q${index}`, pk, rank: index });
    const query = 'SELECT VALUE c.id FROM c ORDER BY c.rank DESC';
    expect((await target.items.query(query).fetchAll()).resources).toEqual(['q2', 'q1', 'q0']);
    expect((await target.items.query(query, { forceQueryPlan: true }).fetchAll()).resources).toEqual([
      'q2',
      'q1',
      'q0',
    ]);
    expect(
      (await target.items.query('SELECT VALUE COUNT(1) FROM c', { partitionKey: 'a' }).fetchAll()).resources,
    ).toEqual([2]);
    const pagedInPartition = await target.items
      .query('SELECT VALUE c.id FROM c', { partitionKey: 'a', maxItemCount: 1 })
      .fetchAll();
    expect(pagedInPartition.resources).toEqual(['q0', 'q2']);
    expect(
      (await target.items.query("SELECT * FROM c WHERE c.id = 'q0'", { partitionKey: 'b' }).fetchAll()).resources,
    ).toEqual([]);
    const readAllInPartition = await target.items.readAll({ partitionKey: 'b' }).fetchAll();
    expect(readAllInPartition.resources.map((item) => item.id)).toEqual(['q1']);
    expect((await target.items.readAll().fetchAll()).resources).toHaveLength(3);
  });

  it('serves the account at / with plain-http locations, so endpoint discovery also works', async () => {
    const discovering = new CosmosClient({ endpoint: local.endpoint, key: local.key });
    const { resource: account } = await discovering.getDatabaseAccount();
    expect(account?.writableLocations.map((location) => location.databaseAccountEndpoint)).toEqual([local.endpoint]);
    const { database } = await discovering.databases.createIfNotExists({ id: 'discovered' });
    expect(database.id).toBe('discovered');
    discovering.dispose();
  });

  it('closes promptly with keep-alive connections open', async () => {
    const other = await startLocalCosmos();
    const otherClient = clientFor(other);
    await otherClient.databases.create({ id: 'keep-alive' });
    const started = Date.now();
    await other.close();
    otherClient.dispose();
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
