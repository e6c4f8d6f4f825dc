import { randomUUID } from 'node:crypto';
import { CosmosClient } from '@azure/cosmos';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localCosmosClientOptions, startLocalCosmos, type LocalCosmos } from '../../local-stack/cosmos/index.js';
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
});
