/**
 * The local host's Cosmos DB trigger against the local stack's Cosmos DB: batches in LSN order, Functions-compatible
 * leases, retries that never move the lease past a failed batch, resuming after a restart, all-versions mode.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Container, CosmosClient } from '@azure/cosmos';
import { startLocalStack, type LocalStack } from '../../local-stack/stack.js';
import { startLocalHost, type LocalHost } from '../../local-host/index.js';
import { leaseContainer } from '../../local-host/cosmos/containers.js';
import type { CosmosTriggerOptions } from '../../local-host/cosmos/options.js';
import { recorder, waitFor } from '../fixtures/local-host/recorder.js';
import { captureLog, cosmosClient, fixture, ids, leasesOf, newContainer, uniqueName } from './helpers.js';

let stack: LocalStack;
let client: CosmosClient;
let leases: Container;
const database = uniqueName('lh-db');

beforeAll(async () => {
  stack = await startLocalStack();
  client = cosmosClient(stack.settings.COSMOS_ENDPOINT, stack.settings.COSMOS_KEY);
  const { database: db } = await client.databases.createIfNotExists({ id: database });
  ({ container: leases } = await db.containers.create({
    id: 'test-leases',
    partitionKey: { paths: ['/id'] },
    defaultTtl: -1,
  }));
});

afterAll(async () => {
  client?.dispose();
  await stack?.close();
});

beforeEach(() => recorder.reset());

function settings(containers: Record<string, string>): Record<string, string> {
  return { LH_COSMOS: stack.settings.COSMOS_CONNECTION_STRING, LH_DB: database, LH_LEASES: leases.id, ...containers };
}

async function rids(container: Container): Promise<{ db: string; coll: string }> {
  const [{ resource: coll }, { resource: db }] = await Promise.all([container.read(), container.database.read()]);
  return { db: db?._rid ?? '', coll: coll?._rid ?? '' };
}

const delivered = (name: string): string[] =>
  recorder
    .calls(name)
    .filter((call) => !call.failed)
    .flatMap((call) => ids(call.input));

describe('cosmosDBTrigger on the local host', () => {
  it('delivers writes in LSN order, maxItemsPerInvocation at a time, and keeps leases in the Functions format', async () => {
    const container = await newContainer(client, database, 'batches');
    for (let index = 1; index <= 10; index += 1) await container.items.create({ id: `d${index}`, pk: 'p' });
    const log = captureLog();
    const host = await startLocalHost({
      files: [fixture('cosmos-batches.ts')],
      settings: settings({ LH_BATCH_CONTAINER: container.id }),
      log: log.sink,
    });
    try {
      expect(host.functions).toEqual([{ name: 'cosmosBatches', trigger: 'cosmosDBTrigger', disabled: false }]);
      expect(host.httpBaseUrl).toBeUndefined();
      await waitFor('ten documents', () => delivered('cosmosBatches').length >= 10);
      const batches = recorder.calls('cosmosBatches').map((call) => call.input as { id: string; _lsn: number }[]);
      expect(batches.map(ids)).toEqual([['d1', 'd2', 'd3'], ['d4', 'd5', 'd6'], ['d7', 'd8', 'd9'], ['d10']]);
      expect(batches.flat().map((document) => document._lsn)).toEqual(
        Array.from({ length: 10 }, (_, index) => index + 1),
      );
      // The host sends a batch as one JSON text, which the worker parses: plain objects, system properties included,
      // and no trigger metadata (the extension adds no binding data).
      const first = batches[0]?.[0] as unknown as Record<string, unknown>;
      expect(Object.getPrototypeOf(first)).toBe(Object.prototype);
      expect(Object.keys(first)).toEqual(expect.arrayContaining(['id', '_rid', '_self', '_etag', '_ts', '_lsn']));
      expect(recorder.calls('cosmosBatches')[0]?.triggerMetadata).toEqual({});

      // The lease container was created (partitioned on /id) and holds the processor's lease and .info documents.
      const leaseContainer = client.database(database).container('leases');
      const { db, coll } = await rids(container);
      const prefix = `batches-127.0.0.1_${db}_${coll}`;
      const [lease] = await waitFor('the checkpoint after the last batch', async () => {
        const found = await leasesOf(leaseContainer, prefix);
        return found[0]?.ContinuationToken === '"10"' ? found : undefined;
      });
      expect(lease).toMatchObject({
        id: `${prefix}..0`,
        version: 0,
        LeaseToken: '0',
        FeedRange: { Range: { min: '', max: 'FF' } },
        Owner: expect.stringMatching(/^[0-9a-f-]{36}$/),
        ContinuationToken: '"10"',
        properties: {},
        Mode: 'Incremental Feed',
      });
      expect(Date.now() - Date.parse(lease?.timestamp ?? '')).toBeLessThan(60_000);
      expect((await leaseContainer.item(`${prefix}.info`, `${prefix}.info`).read()).statusCode).toBe(200);
      expect((await leaseContainer.item(`${prefix}.lock`, `${prefix}.lock`).read()).statusCode).toBe(404);
      const { resource: definition } = await leaseContainer.read();
      expect(definition?.partitionKey?.paths).toEqual(['/id']);
    } finally {
      await host.close();
    }
    // Closing releases the lease for the next instance, keeping its checkpoint.
    const { db, coll } = await rids(container);
    const [released] = await leasesOf(client.database(database).container('leases'), `batches-127.0.0.1_${db}_${coll}`);
    expect(released).toMatchObject({ Owner: null, ContinuationToken: '"10"' });
  });

  it('retries a failing batch with the same documents and does not move the lease until it succeeds', async () => {
    const container = await newContainer(client, database, 'retry');
    const log = captureLog();
    recorder.setFailing('cosmosRetry', true);
    const host = await startLocalHost({
      files: [fixture('cosmos-retry.ts')],
      settings: settings({ LH_RETRY_CONTAINER: container.id }),
      log: log.sink,
    });
    try {
      for (const id of ['a', 'b', 'c']) await container.items.create({ id, pk: 'p' });
      await waitFor('three failed attempts', () => recorder.calls('cosmosRetry').length >= 3);
      const { db, coll } = await rids(container);
      const prefix = `retry-127.0.0.1_${db}_${coll}`;
      expect((await leasesOf(leases, prefix))[0]?.ContinuationToken).toBeNull();
      recorder.setFailing('cosmosRetry', false);
      await waitFor('the batch to succeed', () => delivered('cosmosRetry').length === 3);
      const calls = recorder.calls('cosmosRetry');
      for (const call of calls) expect(ids(call.input)).toEqual(['a', 'b', 'c']);
      expect(calls.map((call) => call.retryCount)).toEqual(calls.map((_, index) => index));
      await waitFor('the checkpoint', async () => (await leasesOf(leases, prefix))[0]?.ContinuationToken === '"3"');
      expect(log.events('cosmos.batch.retry').length).toBeGreaterThanOrEqual(2);
      expect(log.events('cosmos.batch.skipped')).toEqual([]);
    } finally {
      await host.close();
    }
  });

  it('resumes from the lease after a restart: nothing lost, only the unfinished failed batch delivered again', async () => {
    const container = await newContainer(client, database, 'resume');
    const start = (): Promise<LocalHost> =>
      startLocalHost({
        files: [fixture('cosmos-retry.ts')],
        settings: settings({ LH_RETRY_CONTAINER: container.id }),
        log: captureLog().sink,
      });
    const first = await start();
    try {
      for (const id of ['r1', 'r2', 'r3']) await container.items.create({ id, pk: 'p' });
      await waitFor('the first three', () => delivered('cosmosRetry').length === 3);
      recorder.setFailing('cosmosRetry', true);
      for (const id of ['r4', 'r5']) await container.items.create({ id, pk: 'p' });
      await waitFor('a failed attempt at r4, r5', () => recorder.calls('cosmosRetry').some((call) => call.failed));
    } finally {
      await first.close(); // stops while waiting to retry: the failed batch is not checkpointed
    }
    const { db, coll } = await rids(container);
    const [lease] = await leasesOf(leases, `retry-127.0.0.1_${db}_${coll}`);
    expect(lease).toMatchObject({ Owner: null, ContinuationToken: '"3"' });

    await container.items.create({ id: 'r6', pk: 'p' }); // written while no host runs
    recorder.setFailing('cosmosRetry', false);
    const second = await start();
    try {
      await waitFor('r4 to r6', () => delivered('cosmosRetry').length === 6);
      expect(delivered('cosmosRetry')).toEqual(['r1', 'r2', 'r3', 'r4', 'r5', 'r6']);
      // Only the batch that was failing when the first host stopped came again (r4 alone or r4 and r5, depending on
      // whether r5 was written before the read that returned r4).
      const failed = recorder
        .calls('cosmosRetry')
        .filter((call) => call.failed)
        .map((call) => ids(call.input));
      expect(failed[0]?.[0]).toBe('r4');
      for (const batch of failed) expect(batch).toEqual(failed[0]);
    } finally {
      await second.close();
    }
  });

  it('without a retry policy skips a failed batch, advances the lease and logs an error, as Azure does', async () => {
    const container = await newContainer(client, database, 'skip');
    const log = captureLog();
    const host = await startLocalHost({
      files: [fixture('cosmos-no-retry.ts')],
      settings: settings({ LH_NO_RETRY_CONTAINER: container.id }),
      log: log.sink,
    });
    try {
      recorder.setFailing('cosmosNoRetry', true);
      await container.items.create({ id: 'poison', pk: 'p' });
      await waitFor('the skip', () => log.events('cosmos.batch.skipped')[0]);
      recorder.setFailing('cosmosNoRetry', false);
      await container.items.create({ id: 'next', pk: 'p' });
      await waitFor('the next document', () => delivered('cosmosNoRetry').length === 1);
      expect(recorder.calls('cosmosNoRetry').map((call) => [ids(call.input), call.failed ?? false])).toEqual([
        [['poison'], true],
        [['next'], false],
      ]);
      expect(log.events('cosmos.batch.skipped')[0]).toMatchObject({
        level: 'error',
        functionName: 'cosmosNoRetry',
        documents: 1,
        continuationToken: '"1"',
      });
    } finally {
      await host.close();
    }
  });

  it('delivers creates, replaces and deletes in AllVersionsAndDeletes mode', async () => {
    const container = await newContainer(client, database, 'all-versions');
    const host = await startLocalHost({
      files: [fixture('cosmos-all-versions.ts')],
      settings: settings({ LH_ALL_VERSIONS_CONTAINER: container.id }),
      log: captureLog().sink,
    });
    try {
      await container.items.create({ id: 'x', pk: 'p', v: 1 });
      await container.items.upsert({ id: 'x', pk: 'p', v: 2 });
      await container.item('x', 'p').delete();
      type Change = {
        current?: { v: number };
        previous?: { v: number };
        metadata: { operationType: string; id?: string };
      };
      const changes = await waitFor('three changes', () => {
        const all = recorder.calls('cosmosAllVersions').flatMap((call) => call.input as Change[]);
        return all.length >= 3 ? all : undefined;
      });
      expect(changes.map((change) => change.metadata.operationType)).toEqual(['create', 'replace', 'delete']);
      expect(changes[1]).toMatchObject({ current: { v: 2 }, previous: { v: 1 } });
      expect(changes[2]?.current).toBeUndefined();
      expect(changes[2]?.metadata.id).toBe('x');
    } finally {
      await host.close();
    }
  });

  it('lets instances that start together all create the same lease container, as the .NET SDK does', async () => {
    const leaseDatabase = uniqueName('lh-race');
    const options = {
      leaseDatabaseName: leaseDatabase,
      leaseContainerName: 'leases',
      createLeaseContainerIfNotExists: true,
    } as CosmosTriggerOptions;
    try {
      // Each call reads, finds nothing, creates: all but one create answer 409, which must count as "exists".
      const containers = await Promise.all(
        Array.from({ length: 4 }, (_, index) => leaseContainer(client, options, `instance ${index + 1}`)),
      );
      expect(containers.map((container) => container.id)).toEqual(['leases', 'leases', 'leases', 'leases']);
      const { resource } = await client.database(leaseDatabase).container('leases').read();
      expect(resource?.partitionKey?.paths).toEqual(['/id']);
    } finally {
      await client.database(leaseDatabase).delete();
    }
  });
});
