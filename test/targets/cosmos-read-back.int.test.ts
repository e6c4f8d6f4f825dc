/**
 * Reading back the Cosmos DB target beyond the contract: a key path that needs quoting in SQL, hierarchical keys
 * (stored as their JSON text, read back as arrays from `_sync.partitionKey`), documents the target did not write,
 * and documents written before `_sync` kept hierarchical keys.
 */
import { randomUUID } from 'node:crypto';
import { CosmosClient } from '@azure/cosmos';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { localCosmosClientOptions, startLocalCosmos, type LocalCosmos } from '../../local-stack/cosmos/index.js';
import { CosmosTarget } from '../../shared/targets/cosmos/index.js';
import { refKey, refOf } from '../../shared/targets/read-back.js';
import type { HeldDocument } from '../../shared/targets/target.js';
import { makeEvent } from '../support/events.js';

describe('Cosmos target, reading back', () => {
  let cosmos: LocalCosmos;
  let client: CosmosClient;
  let target: CosmosTarget;
  const database = `read-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    cosmos = await startLocalCosmos();
    client = new CosmosClient(localCosmosClientOptions(cosmos));
    target = new CosmosTarget({
      name: 't',
      client,
      database,
      container: 'copy',
      partitionKeyPath: '/tenant-id',
      createIfNotExists: true,
      readPageSize: 2,
    });
    await target.open();
  });
  afterAll(async () => {
    client?.dispose();
    await cosmos?.close();
  });

  const listed = async (source: string) => {
    const documents: HeldDocument[] = [];
    for await (const page of target.listDocuments(source)) documents.push(...page);
    return documents.sort((a, b) => refKey(a).localeCompare(refKey(b)));
  };

  it('gives hierarchical keys back as arrays and ignores documents it did not write', async () => {
    const events = [
      makeEvent({ id: 'h', pk: ['tenant', 1, null], lsn: 3, source: 'nested' }),
      makeEvent({ id: 'n', pk: 12, lsn: 4, source: 'nested', op: 'delete' }),
      makeEvent({ id: 'b', pk: false, lsn: 5, source: 'nested' }),
    ];
    await target.applyBatch(events);
    const container = client.database(database).container('copy');
    await container.items.create({ id: 'foreign', 'tenant-id': 'x', note: 'not a copy' });
    await container.items.create({ id: 'faked', 'tenant-id': 'x', _sync: { source: 'nested' } });
    expect(
      await target.readVersions([...events.map(refOf), { source: 'nested', documentId: 'foreign', partitionKey: 'x' }]),
    ).toEqual([
      ...events.map((event) => ({ version: event.version, deleted: event.operation === 'delete' })),
      undefined,
    ]);
    const expected = events.map((event) => ({
      ...refOf(event),
      version: event.version,
      deleted: event.operation === 'delete',
    }));
    expect(await listed('nested')).toEqual(expected.sort((a, b) => refKey(a).localeCompare(refKey(b))));
  });

  it('still answers for a hierarchical key written before _sync kept it, and lists it by its stored text', async () => {
    const container = client.database(database).container('copy');
    const text = JSON.stringify(['old', 2]);
    const sync = { source: 'legacy', lsn: 7, ts: 1_700_000_007, deleted: false, eventId: 'e' };
    await container.items.create({ id: 'old', 'tenant-id': text, _sync: sync });
    expect(await target.readVersions([{ source: 'legacy', documentId: 'old', partitionKey: ['old', 2] }])).toEqual([
      { version: { lsn: 7, ts: 1_700_000_007 }, deleted: false },
    ]);
    expect(await listed('legacy')).toEqual([
      {
        source: 'legacy',
        documentId: 'old',
        partitionKey: text,
        version: { lsn: 7, ts: 1_700_000_007 },
        deleted: false,
      },
    ]);
  });
});
