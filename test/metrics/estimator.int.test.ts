/**
 * The lag estimator against the local Cosmos DB (real change feed, LSNs and session tokens): leases in the Functions
 * format at a known checkpoint, then known writes, then the estimate. Also leases written by the local host's own
 * Cosmos DB trigger, and the failures that must become problems rather than throws.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChangeFeedMode, ChangeFeedStartFrom, CosmosClient, type Container } from '@azure/cosmos';
import { startLocalCosmos, type LocalCosmos } from '../../local-stack/cosmos/index.js';
import { startLocalHost } from '../../local-host/index.js';
import { sourceSchema, type SourceConfig } from '../../shared/config/schema.js';
import {
  leaseStorePrefix,
  newLease,
  rawContinuation,
  sdkContinuation,
  type ChangeFeedModeName,
} from '../../shared/leases/lease-documents.js';
import {
  EstimatorError,
  estimateSource,
  estimateSources,
  type EstimatorDeps,
} from '../../shared/metrics/estimator/index.js';
import { waitFor } from '../fixtures/local-host/recorder.js';
import { captureLog, fixture, leasesOf } from '../local-host/helpers.js';
import { localEstimatorDeps } from './estimator-deps.js';

let cosmos: LocalCosmos;
let client: CosmosClient;
let leases: Container;
let deps: EstimatorDeps;
const logLines: string[] = [];
const databaseId = `est-${randomUUID().slice(0, 8)}`;
const connection = `EstimatorCosmos${randomUUID().replace(/-/g, '').slice(0, 8)}`;

beforeAll(async () => {
  cosmos = await startLocalCosmos();
  client = new CosmosClient({
    endpoint: cosmos.endpoint,
    key: cosmos.key,
    connectionPolicy: { enableEndpointDiscovery: false },
  });
  const { database } = await client.databases.createIfNotExists({ id: databaseId });
  ({ container: leases } = await database.containers.create({ id: 'leases', partitionKey: { paths: ['/id'] } }));
  deps = localEstimatorDeps(cosmos, connection, { debug: push, info: push, warn: push, error: push });
});

afterAll(async () => {
  client?.dispose();
  await cosmos?.close();
});

function push(line: string): void {
  logLines.push(line);
}

async function newSource(
  mode: ChangeFeedModeName = 'LatestVersion',
  startFrom = mode === 'LatestVersion' ? 'beginning' : 'now',
): Promise<{ source: SourceConfig; container: Container }> {
  const name = `src-${randomUUID().slice(0, 8)}`;
  const { container } = await client
    .database(databaseId)
    .containers.create({ id: name, partitionKey: { paths: ['/pk'] } });
  const source = sourceSchema.parse({
    name,
    connection,
    database: databaseId,
    container: name,
    partitionKeyPaths: ['/pk'],
    changeFeedMode: mode,
    leaseContainer: leases.id,
    startFrom,
  });
  // parseConfig resolves createLeaseContainer from the connection's kind; a connection string means true.
  return { source: { ...source, createLeaseContainer: true }, container };
}

/** The continuation a processor would checkpoint after reading everything written so far. */
async function checkpointNow(container: Container, mode: ChangeFeedModeName): Promise<string> {
  const page = await container.items
    .getChangeFeedIterator({
      changeFeedStartFrom: ChangeFeedStartFrom.Now(),
      ...(mode === 'AllVersionsAndDeletes' ? { changeFeedMode: ChangeFeedMode.AllVersionsAndDeletes } : {}),
    })
    .readNext();
  const token = rawContinuation(page.continuationToken);
  if (!token) throw new Error(`no continuation in ${page.continuationToken}`);
  return token;
}

async function storePrefixOf(source: SourceConfig, container: Container): Promise<string> {
  const [{ resource: coll }, { resource: db }] = await Promise.all([container.read(), container.database.read()]);
  return leaseStorePrefix(source.leasePrefix ?? `${source.name}-`, cosmos.endpoint, db?._rid ?? '', coll?._rid ?? '');
}

/** Writes the lease (and the .info marker) exactly as the Functions host would, at `continuation`. */
async function writeLease(
  source: SourceConfig,
  container: Container,
  continuation: string | null,
  change: (lease: Record<string, unknown>) => Record<string, unknown> = (lease) => lease,
): Promise<string> {
  const storePrefix = await storePrefixOf(source, container);
  const lease = newLease(storePrefix, { id: '0', min: '', max: 'FF' }, source.changeFeedMode);
  await leases.items.create(change({ ...lease, Owner: 'host-a', ContinuationToken: continuation }));
  await leases.items.create({ id: `${storePrefix}.info` });
  return storePrefix;
}

async function sdkTokenOf(container: Container, continuation: string): Promise<string> {
  const { resource } = await container.read();
  return sdkContinuation(resource?._rid ?? '', { Range: { min: '', max: 'FF' } }, continuation);
}

async function create(container: Container, id: string, extra: Record<string, unknown> = {}): Promise<void> {
  await container.items.create({ id, pk: 'p', ...extra });
}

describe('estimateSource against the local Cosmos DB', () => {
  it('counts exactly the N new distinct documents (LatestVersion) and a lag at least their age', async () => {
    const { source, container } = await newSource();
    for (const id of ['old-1', 'old-2', 'old-3']) await create(container, id);
    const storePrefix = await writeLease(source, container, await checkpointNow(container, 'LatestVersion'));
    const before = Date.now();
    await create(container, 'new-1');
    const afterFirst = Date.now();
    for (const id of ['new-2', 'new-3', 'new-4', 'new-5']) await create(container, id);

    const now = new Date(Date.now() + 30_000);
    const estimate = await estimateSource(deps, source, now);
    expect(estimate).toMatchObject({ source: source.name, pendingChanges: 5, problems: [] });
    expect(estimate.leases).toEqual([
      {
        id: `${storePrefix}..0`,
        leaseToken: '0',
        owner: 'host-a',
        pendingChanges: 5,
        lagSeconds: estimate.lagSeconds,
        continuation: '"3"',
      },
    ]);
    // The first pending document was written between `before` and `afterFirst`; _ts has whole seconds.
    expect(estimate.lagSeconds).toBeGreaterThanOrEqual((now.getTime() - afterFirst) / 1000);
    expect(estimate.lagSeconds).toBeLessThanOrEqual((now.getTime() - before) / 1000 + 1);
  });

  it('is an upper bound when one document is written several times (LatestVersion collapses them)', async () => {
    const { source, container } = await newSource();
    const continuation = await checkpointNow(container, 'LatestVersion');
    await writeLease(source, container, continuation);
    await create(container, 'a');
    await create(container, 'b', { v: 1 });
    await container.items.upsert({ id: 'b', pk: 'p', v: 2 });
    await container.items.upsert({ id: 'b', pk: 'p', v: 3 });

    const estimate = await estimateSource(deps, source, new Date());
    // What the processor will actually receive: a, then b once (its latest version).
    const { result } = await container.items
      .getChangeFeedIterator({
        changeFeedStartFrom: ChangeFeedStartFrom.Continuation(await sdkTokenOf(container, continuation)),
      })
      .readNext();
    expect(result.map((item: { id: string }) => item.id)).toEqual(['a', 'b']);
    expect(estimate.pendingChanges).toBe(4);
    expect(estimate.pendingChanges).toBeGreaterThanOrEqual(result.length);
  });

  it('counts every create, replace and delete in AllVersionsAndDeletes, dated by metadata.crts', async () => {
    const { source, container } = await newSource('AllVersionsAndDeletes');
    await create(container, 'before');
    await writeLease(source, container, await checkpointNow(container, 'AllVersionsAndDeletes'));
    const before = Date.now();
    await create(container, 'x', { v: 1 });
    await container.items.upsert({ id: 'x', pk: 'p', v: 2 });
    await container.item('x', 'p').delete();
    await create(container, 'y');

    const now = new Date(Date.now() + 10_000);
    const estimate = await estimateSource(deps, source, now);
    expect(estimate).toMatchObject({ pendingChanges: 4, problems: [] });
    expect(estimate.lagSeconds).toBeGreaterThan(0);
    expect(estimate.lagSeconds).toBeLessThanOrEqual((now.getTime() - before) / 1000 + 1);
  });

  it('reports nothing pending when the lease is caught up', async () => {
    const { source, container } = await newSource();
    await create(container, 'done');
    await writeLease(source, container, await checkpointNow(container, 'LatestVersion'));
    expect(await estimateSource(deps, source, new Date())).toMatchObject({
      pendingChanges: 0,
      lagSeconds: 0,
      problems: [],
    });
  });

  it('maps an old lease without FeedRange (v2 PartitionId) to its partition key range', async () => {
    const { source, container } = await newSource();
    const continuation = await checkpointNow(container, 'LatestVersion');
    await writeLease(
      source,
      container,
      continuation,
      ({ FeedRange: _range, LeaseToken, Mode: _mode, version: _v, ...rest }) => ({
        ...rest,
        PartitionId: LeaseToken,
      }),
    );
    await create(container, 'n1');
    await create(container, 'n2');
    const estimate = await estimateSource(deps, source, new Date());
    expect(estimate).toMatchObject({ pendingChanges: 2, problems: [] });
    expect(estimate.leases[0]?.leaseToken).toBe('0');
  });

  it('before the first checkpoint: from the beginning when the source starts there, unknown when it starts now', async () => {
    const fromStart = await newSource('LatestVersion', 'beginning');
    for (const id of ['a', 'b', 'c']) await create(fromStart.container, id);
    await writeLease(fromStart.source, fromStart.container, null);
    expect(await estimateSource(deps, fromStart.source, new Date())).toMatchObject({ pendingChanges: 3, problems: [] });

    const fromNow = await newSource('LatestVersion', 'now');
    await create(fromNow.container, 'a');
    await writeLease(fromNow.source, fromNow.container, null);
    const unknown = await estimateSource(deps, fromNow.source, new Date());
    expect(unknown).toMatchObject({ pendingChanges: null, lagSeconds: null });
    expect(unknown.leases[0]).toMatchObject({ pendingChanges: null, continuation: null });
    expect(unknown.problems.map((problem) => problem.code)).toEqual(['ESTIMATOR_LEASE_NOT_STARTED']);
  });

  it('reports a damaged lease document as a problem and still estimates the others', async () => {
    const { source, container } = await newSource();
    const storePrefix = await writeLease(source, container, await checkpointNow(container, 'LatestVersion'));
    await leases.items.create({ id: `${storePrefix}..1`, LeaseToken: 1, ContinuationToken: { lsn: 5 } });
    await create(container, 'z');
    const estimate = await estimateSource(deps, source, new Date());
    expect(estimate.pendingChanges).toBe(1);
    expect(estimate.leases.map((lease) => lease.id)).toEqual([`${storePrefix}..0`]);
    expect(estimate.problems).toHaveLength(1);
    expect(estimate.problems[0]).toMatchObject({ code: 'ESTIMATOR_LEASE_INVALID' });
    expect(estimate.problems[0]?.message).toContain(`${storePrefix}..1`);
    expect(logLines.some((line) => line.includes('metrics.estimator.problems') && line.includes(source.name))).toBe(
      true,
    );
  });

  it('says so when a source has no leases yet', async () => {
    const { source } = await newSource();
    const estimate = await estimateSource(deps, source, new Date());
    expect(estimate).toMatchObject({ leases: [], pendingChanges: null, lagSeconds: null });
    expect(estimate.problems.map((problem) => problem.code)).toEqual(['ESTIMATOR_NO_LEASES']);
  });

  it('throws typed errors for a missing container, which estimateSources turns into problems', async () => {
    const { source } = await newSource();
    const missing = { ...source, name: 'missing', container: 'does-not-exist' };
    const error = await estimateSource(deps, missing, new Date()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(EstimatorError);
    expect(error).toMatchObject({ code: 'ESTIMATOR_CONTAINER_UNREADABLE', retryable: false });

    const noLeaseContainer = { ...source, name: 'no-leases', leaseContainer: 'no-such-leases' };
    await expect(estimateSource(deps, noLeaseContainer, new Date())).rejects.toMatchObject({
      code: 'ESTIMATOR_LEASES_UNREADABLE',
      retryable: false,
    });

    const all = await estimateSources(deps, [missing, source], new Date());
    expect(all.map((estimate) => estimate.source)).toEqual(['missing', source.name]);
    expect(all[0]).toMatchObject({ pendingChanges: null, problems: [{ code: 'ESTIMATOR_CONTAINER_UNREADABLE' }] });
    expect(all[1]?.problems.map((problem) => problem.code)).toEqual(['ESTIMATOR_NO_LEASES']);
  });

  it('reads the leases the local host trigger checkpointed', async () => {
    const { container } = await newSource();
    for (let index = 1; index <= 4; index += 1) await create(container, `d${index}`);
    const [{ resource: coll }, { resource: db }] = await Promise.all([container.read(), container.database.read()]);
    const prefix = `batches-127.0.0.1_${db?._rid ?? ''}_${coll?._rid ?? ''}`;
    const host = await startLocalHost({
      files: [fixture('cosmos-batches.ts')],
      settings: {
        LH_COSMOS: `AccountEndpoint=${cosmos.endpoint};AccountKey=${cosmos.key};`,
        LH_DB: databaseId,
        LH_BATCH_CONTAINER: container.id,
      },
      log: captureLog().sink,
    });
    try {
      // The fixture uses the trigger's defaults: lease container "leases" in the monitored database, prefix "batches-".
      await waitFor('the checkpoint after d4', async () => {
        const [lease] = await leasesOf(client.database(databaseId).container('leases'), prefix);
        return lease?.ContinuationToken === '"4"';
      });
    } finally {
      await host.close();
    }
    for (const id of ['e1', 'e2', 'e3']) await create(container, id);
    const source = sourceSchema.parse({
      name: 'batches-source',
      connection,
      database: databaseId,
      container: container.id,
      partitionKeyPaths: ['/pk'],
      leasePrefix: 'batches-',
      leaseContainer: 'leases',
    });
    const estimate = await estimateSource(deps, { ...source, createLeaseContainer: true }, new Date());
    expect(estimate).toMatchObject({ pendingChanges: 3, problems: [] });
    expect(estimate.leases[0]).toMatchObject({ id: `${prefix}..0`, owner: null, continuation: '"4"' });
  });
});
