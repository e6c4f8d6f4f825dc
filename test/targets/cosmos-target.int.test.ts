import { randomUUID } from 'node:crypto';
import { CosmosClient } from '@azure/cosmos';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localCosmosClientOptions, startLocalCosmos, type LocalCosmos } from '../../local-stack/cosmos/index.js';
import { CosmosTargetMissingError } from '../../shared/targets/cosmos/errors.js';
import { CosmosTarget } from '../../shared/targets/cosmos/index.js';
import { makeEvent } from '../support/events.js';

describe('Cosmos target: two instances writing the same documents (stale etag caches)', () => {
  let cosmos: LocalCosmos;
  let client: CosmosClient;
  const database = `twins-${randomUUID().slice(0, 8)}`;
  const make = () =>
    new CosmosTarget({
      name: 't',
      client,
      database,
      container: 'copy',
      partitionKeyPath: '/pk',
      createIfNotExists: true,
    });

  beforeAll(async () => {
    cosmos = await startLocalCosmos();
    client = new CosmosClient(localCosmosClientOptions(cosmos));
  });
  afterAll(async () => {
    client?.dispose();
    await cosmos?.close();
  });

  it('re-reads on a changed etag and never regresses, whatever each instance remembers', async () => {
    const [a, b] = [make(), make()];
    await a.open();
    await b.open();
    const v = (lsn: number, op: 'upsert' | 'delete' = 'upsert') =>
      makeEvent({ id: 'shared', pk: 'p', lsn, op, data: { v: lsn } });
    expect(await a.applyBatch([v(1)])).toMatchObject([{ status: 'applied' }]);
    expect(await b.applyBatch([v(2)])).toMatchObject([{ status: 'applied' }]);
    // a remembers v1's etag; the document changed since: its guessed replace fails with 412 and it reads again.
    expect(await a.applyBatch([v(3)])).toMatchObject([{ status: 'applied' }]);
    expect(await a.applyBatch([v(2)])).toMatchObject([{ status: 'stale' }]);
    expect(await b.applyBatch([v(1)])).toMatchObject([{ status: 'stale' }]);
    expect(await b.applyBatch([v(4, 'delete')])).toMatchObject([{ status: 'applied' }]);
    expect(await a.applyBatch([v(3)])).toMatchObject([{ status: 'stale' }]);
    const { resource } = await client
      .database(database)
      .container('copy')
      .item('shared', 'p')
      .read<{ _sync: { lsn: number; deleted: boolean } }>();
    expect(resource?._sync).toMatchObject({ lsn: 4, deleted: true });
  });

  it('creates unseen documents without reading and falls back to a read when they already exist', async () => {
    const writer = make();
    await writer.open();
    await writer.applyBatch([makeEvent({ id: 'existing', pk: 'q', lsn: 5 })]);
    const fresh = make(); // knows nothing: its create attempt gets 409 and it must compare versions after a read
    await fresh.open();
    expect(await fresh.applyBatch([makeEvent({ id: 'existing', pk: 'q', lsn: 4 })])).toMatchObject([
      { status: 'stale' },
    ]);
    expect(await fresh.applyBatch([makeEvent({ id: 'existing', pk: 'q', lsn: 6 })])).toMatchObject([
      { status: 'applied' },
    ]);
  });

  it('reads through what it remembers for events sent on purpose, so a row deleted behind its back is repaired', async () => {
    const target = make();
    await target.open();
    const event = makeEvent({ id: 'tampered', pk: 'r', lsn: 7, data: { v: 7 } });
    expect(await target.applyBatch([event])).toMatchObject([{ status: 'applied' }]);
    const copy = client.database(database).container('copy');
    await copy.item('tampered', 'r').delete();
    // The same event again, as a live duplicate: judged from memory, stale, and the row stays missing.
    expect(await target.applyBatch([event])).toMatchObject([{ status: 'stale' }]);
    expect((await copy.item('tampered', 'r').read()).statusCode).toBe(404);
    // As a repair: judged against the container, written again.
    const readThrough = new Set([event.eventId]);
    expect(await target.applyBatch([event], undefined, { readThrough })).toMatchObject([{ status: 'applied' }]);
    expect((await copy.item('tampered', 'r').read<{ v: number }>()).resource).toMatchObject({ v: 7 });
    // Once the row matches, a repair of the same version is stale like any duplicate.
    expect(await target.applyBatch([event], undefined, { readThrough })).toMatchObject([{ status: 'stale' }]);
  });
});

describe('Cosmos target without createIfNotExists (the default with an identity-based connection)', () => {
  let cosmos: LocalCosmos;
  let client: CosmosClient;
  const database = `given-${randomUUID().slice(0, 8)}`;
  const make = (db: string, container: string) =>
    new CosmosTarget({
      name: 'copy',
      client,
      database: db,
      container,
      partitionKeyPath: '/pk',
      createIfNotExists: false,
    });

  beforeAll(async () => {
    cosmos = await startLocalCosmos();
    client = new CosmosClient(localCosmosClientOptions(cosmos));
    const { database: db } = await client.databases.create({ id: database });
    await db.containers.create({ id: 'existing', partitionKey: { paths: ['/pk'] } });
  });
  afterAll(async () => {
    client?.dispose();
    await cosmos?.close();
  });

  it('fails open with a permanent typed error naming the missing database and how to fix it', async () => {
    const error: unknown = await make('nowhere', 'orders-copy')
      .open()
      .catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CosmosTargetMissingError);
    expect(error).toMatchObject({
      code: 'COSMOS_TARGET_MISSING',
      retryable: false,
      where: { database: 'nowhere', container: 'orders-copy', missing: 'database' },
    });
    expect((error as Error).message).toBe(
      'Cosmos DB target "copy": database "nowhere" (holding container "orders-copy") does not exist, and ' +
        'createIfNotExists is false. Create nowhere/orders-copy (partition key /pk) in your infrastructure (an ' +
        'identity-based connection cannot create databases or containers), or use a connection string and set ' +
        'createIfNotExists to true on this target.',
    );
  });

  it('says when only the container is missing, and creates nothing', async () => {
    await expect(make(database, 'missing').open()).rejects.toMatchObject({
      code: 'COSMOS_TARGET_MISSING',
      where: { database, container: 'missing', missing: 'container' },
      message: expect.stringContaining(`container "missing" does not exist in database "${database}"`),
    });
    await expect(client.database(database).container('missing').read()).rejects.toMatchObject({ code: 404 });
  });

  it('opens and writes when infrastructure created the container', async () => {
    const target = make(database, 'existing');
    await target.open();
    expect(await target.applyBatch([makeEvent({ id: 'a', pk: 'p', lsn: 1 })])).toMatchObject([{ status: 'applied' }]);
  });
});
