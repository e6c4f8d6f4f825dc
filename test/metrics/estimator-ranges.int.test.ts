/**
 * The lag estimator over many leases and through a split, against the local Cosmos DB with 8 partition key ranges and
 * the real @azure/cosmos: lease documents written by the local host's own LeaseStore (as the trigger writes them),
 * a known number of pending changes per range, then a split of one range in each of the trigger's phases: parent
 * lease only, child leases created beside the parent (one, then both), parent deleted.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChangeFeedStartFrom, CosmosClient, type Container, type FeedRange } from '@azure/cosmos';
import { createHostLogger } from '../../local-host/log.js';
import { LeaseStore } from '../../local-host/cosmos/lease-store.js';
import { resolveGoneLease } from '../../local-host/cosmos/lease-split.js';
import {
  localCosmosClientOptions,
  startLocalCosmos,
  type LocalCosmos,
  type SplitResult,
} from '../../local-stack/cosmos/index.js';
import { healthThresholdsSchema } from '../../shared/config/thresholds.js';
import { sourceSchema, type SourceConfig } from '../../shared/config/schema.js';
import { leaseStorePrefix, rawContinuation, type LeaseDocument } from '../../shared/leases/lease-documents.js';
import { leaseLocationOf } from '../../shared/leases/location.js';
import { estimateSource, type EstimatorDeps, type SourceEstimate } from '../../shared/metrics/estimator/index.js';
import { leaseStatusSchema } from '../../shared/status/report.js';
import { sourceStatus } from '../../shared/status/source-status.js';
import { V2_KEY, epkOf, keysIn, rangesOf, type RangeResource } from '../local-stack/cosmos-range-helpers.js';
import { localEstimatorDeps } from './estimator-deps.js';

type SplitChild = SplitResult['children'][number];

const RANGES = 8;
const databaseId = `estr-${randomUUID().slice(0, 8)}`;
const connection = `EstimatorRanges${randomUUID().replace(/-/g, '').slice(0, 8)}`;
let cosmos: LocalCosmos;
let client: CosmosClient;
let leaseContainer: Container;
let deps: EstimatorDeps;

beforeAll(async () => {
  // The lease container keeps one range: only the monitored containers need several.
  cosmos = await startLocalCosmos({
    physicalPartitions: ({ containerId }) => (containerId === 'leases' ? 1 : RANGES),
  });
  client = new CosmosClient(localCosmosClientOptions(cosmos));
  const { database } = await client.databases.createIfNotExists({ id: databaseId });
  ({ container: leaseContainer } = await database.containers.create({
    id: 'leases',
    partitionKey: { paths: ['/id'] },
  }));
  deps = localEstimatorDeps(cosmos, connection);
});

afterAll(async () => {
  client?.dispose();
  await cosmos?.close();
});

const hostLog = createHostLogger(() => {});

interface Fixture {
  source: SourceConfig;
  container: Container;
  storePrefix: string;
  /** Range resources sorted by min; ids "0".."7". */
  ranges: RangeResource[];
  /** One store per instance, as two hosts sharing the leases. */
  stores: [LeaseStore, LeaseStore];
}

async function newFixture(): Promise<Fixture> {
  const name = `src-${randomUUID().slice(0, 8)}`;
  const { container } = await client.database(databaseId).containers.create({ id: name, partitionKey: V2_KEY });
  const source: SourceConfig = {
    ...sourceSchema.parse({
      name,
      connection,
      database: databaseId,
      container: name,
      partitionKeyPaths: ['/pk'],
      leaseContainer: leaseContainer.id,
      startFrom: 'beginning',
    }),
    createLeaseContainer: true,
  };
  const [{ resource: coll }, { resource: db }] = await Promise.all([container.read(), container.database.read()]);
  const storePrefix = leaseStorePrefix(
    leaseLocationOf(source).leasePrefix,
    cosmos.endpoint,
    db?._rid ?? '',
    coll?._rid ?? '',
  );
  const stores: [LeaseStore, LeaseStore] = [
    new LeaseStore(leaseContainer, storePrefix, 'host-a', hostLog),
    new LeaseStore(leaseContainer, storePrefix, 'host-b', hostLog),
  ];
  return { source, container, storePrefix, ranges: await rangesOf(container), stores };
}

async function write(container: Container, keys: readonly string[], tag: string): Promise<void> {
  for (const key of keys) await container.items.upsert({ id: `${tag}-${key}`, pk: key });
}

/** Where a processor stands after reading everything in `range` so far: the raw token it would checkpoint. */
async function checkpointOf(container: Container, range: FeedRange): Promise<string> {
  const page = await container.items
    .getChangeFeedIterator({ changeFeedStartFrom: ChangeFeedStartFrom.Now(range) })
    .readNext();
  const token = rawContinuation(page.continuationToken);
  if (!token) throw new Error(`no continuation in ${page.continuationToken}`);
  return token;
}

/**
 * The trigger's start: LeaseStore.initialize creates one lease per range; the two instances take every other lease;
 * each checkpoints after reading what was written so far (2 documents per range).
 */
async function startTrigger(fixture: Fixture): Promise<void> {
  const { container, ranges, stores } = fixture;
  for (const range of ranges) await write(container, keysIn(V2_KEY, range, 2, `old-${range.id}`), 'old');
  const signal = new AbortController().signal;
  await stores[0].initialize(
    ranges.map((range) => ({ id: range.id, min: range.minInclusive, max: range.maxExclusive })),
    'LatestVersion',
    signal,
  );
  const feedRanges = await container.getFeedRanges();
  for (const lease of await stores[0].list()) {
    const store = stores[Number(lease.LeaseToken) % 2] as LeaseStore;
    const owned = await store.acquire(lease);
    if (!owned) throw new Error(`could not acquire ${lease.id}`);
    const range = feedRanges.find((candidate) => candidate.minInclusive === lease.FeedRange?.Range.min);
    if (!range) throw new Error(`no feed range for lease ${lease.LeaseToken}`);
    await store.checkpoint(owned, await checkpointOf(container, range));
  }
}

async function leaseOf(fixture: Fixture, token: string): Promise<LeaseDocument> {
  const lease = (await fixture.stores[0].list()).find((candidate) => candidate.LeaseToken === token);
  if (!lease) throw new Error(`no lease ${token}`);
  return lease;
}

/** The child leases the trigger writes for a split parent (local-host/cosmos/lease-split.ts), not yet stored. */
async function childLeasesOf(fixture: Fixture, parent: LeaseDocument): Promise<LeaseDocument[]> {
  const current = (await rangesOf(fixture.container)).map((range) => ({
    id: range.id,
    min: range.minInclusive,
    max: range.maxExclusive,
  }));
  const resolution = resolveGoneLease(parent, parent.ContinuationToken, current, fixture.storePrefix);
  if (resolution.kind !== 'split') throw new Error(`lease ${parent.LeaseToken} is not split: ${resolution.kind}`);
  return resolution.children;
}

const byToken = (estimate: SourceEstimate): Map<string, SourceEstimate['leases'][number]> =>
  new Map(estimate.leases.map((lease) => [lease.leaseToken, lease]));

const pendingByToken = (estimate: SourceEstimate): Record<string, number | null> =>
  Object.fromEntries(estimate.leases.map((lease) => [lease.leaseToken, lease.pendingChanges]));

const codes = (estimate: SourceEstimate): string[] => estimate.problems.map((problem) => problem.code);

/** Range i ("0".."7") gets i + 1 new documents after the checkpoints: 36 pending in all. */
async function writePending(fixture: Fixture): Promise<Map<string, string[]>> {
  const pending = new Map<string, string[]>();
  for (const [index, range] of fixture.ranges.entries()) {
    const keys = keysIn(V2_KEY, range, index + 1, `new-${range.id}`);
    pending.set(range.id, keys);
    await write(fixture.container, keys, 'new');
  }
  return pending;
}

describe('the estimator over 8 leases of an 8-range container', () => {
  it('estimates each lease exactly, with its owner, and the total over all of them', async () => {
    const fixture = await newFixture();
    expect(fixture.ranges.map((range) => range.id)).toEqual(['0', '1', '2', '3', '4', '5', '6', '7']);
    await startTrigger(fixture);

    const caughtUp = await estimateSource(deps, fixture.source, new Date());
    expect(caughtUp).toMatchObject({ pendingChanges: 0, lagSeconds: 0, problems: [] });
    expect(caughtUp.leases).toHaveLength(RANGES);

    const before = Date.now();
    await writePending(fixture);
    const now = new Date(Date.now() + 10_000);
    const estimate = await estimateSource(deps, fixture.source, now);
    expect(codes(estimate)).toEqual([]);
    expect(pendingByToken(estimate)).toEqual({ 0: 1, 1: 2, 2: 3, 3: 4, 4: 5, 5: 6, 6: 7, 7: 8 });
    expect(estimate.pendingChanges).toBe(36);
    for (const lease of estimate.leases) {
      expect(lease.owner).toBe(Number(lease.leaseToken) % 2 === 0 ? 'host-a' : 'host-b');
      expect(lease.state).toBeUndefined();
      expect(lease.lagSeconds).toBeGreaterThanOrEqual(9);
      expect(lease.lagSeconds).toBeLessThanOrEqual((now.getTime() - before) / 1000 + 1);
    }
    expect(estimate.lagSeconds).toBe(Math.max(...estimate.leases.map((lease) => lease.lagSeconds ?? 0)));
  });
});

describe('the estimator during a split', () => {
  it('counts a split range once in every phase of the trigger rewriting its leases', async () => {
    const fixture = await newFixture();
    await startTrigger(fixture);
    const pending = await writePending(fixture);
    const now = (): Date => new Date(Date.now() + 5_000);

    // Split range "3" (4 pending) above all its pending documents: the lower child holds them, the upper none. That
    // keeps the LSN distance exact, so "no double count" is an equality (docs/metrics.md explains the interleaved case).
    const pendingEpks = (pending.get('3') ?? []).map((key) => epkOf(V2_KEY, key)).sort();
    const at = `${pendingEpks[pendingEpks.length - 1] ?? ''}0`;
    const split = cosmos.splitPartitionKeyRange({
      databaseId,
      containerId: fixture.source.container,
      rangeId: '3',
      at,
    });
    const [lower, upper] = split.children.map((child) => child.id) as [string, string];

    // Phase 1: the trigger has not noticed; only the parent lease exists, and its range spans both children.
    const parentOnly = await estimateSource(deps, fixture.source, now());
    expect(codes(parentOnly)).toEqual([]);
    expect(parentOnly.pendingChanges).toBe(36);
    const parent = byToken(parentOnly).get('3');
    expect(parent).toMatchObject({ state: 'splitting', pendingChanges: 4, owner: 'host-b' });
    expect(parent?.ranges?.map((range) => [range.rangeId, range.pendingChanges])).toEqual([
      [lower, 4],
      [upper, 0],
    ]);
    // The status report shows the split lease with its ranges, and validates against the documented schema.
    const status = sourceStatus(fixture.source, parentOnly, healthThresholdsSchema.parse({}));
    const parentStatus = status.leases.find((lease) => lease.leaseToken === '3');
    expect(leaseStatusSchema.parse(parentStatus)).toMatchObject({ state: 'splitting', ranges: [{}, {}] });
    expect(status.pendingChanges).toBe(36);

    // Writes after the split, in both children: 1 below, 2 above.
    const [lowerRange, upperRange] = split.children as [SplitChild, SplitChild];
    await write(fixture.container, keysIn(V2_KEY, lowerRange, 1, 'late-lo'), 'late');
    await write(fixture.container, keysIn(V2_KEY, upperRange, 2, 'late-hi'), 'late');
    const expectedByToken = { 0: 1, 1: 2, 2: 3, 4: 5, 5: 6, 6: 7, 7: 8 };
    const afterWrites = await estimateSource(deps, fixture.source, now());
    expect(codes(afterWrites)).toEqual([]);
    expect(pendingByToken(afterWrites)).toEqual({ ...expectedByToken, 3: 7 });
    expect(
      byToken(afterWrites)
        .get('3')
        ?.ranges?.map((range) => range.pendingChanges),
    ).toEqual([5, 2]);
    expect(afterWrites.pendingChanges).toBe(39);

    // Phase 2a: the trigger created the first child lease (the parent's continuation) and not yet the second.
    const parentLease = await leaseOf(fixture, '3');
    const children = await childLeasesOf(fixture, parentLease);
    expect(children.map((child) => child.LeaseToken)).toEqual([lower, upper]);
    expect(children.every((child) => child.ContinuationToken === parentLease.ContinuationToken)).toBe(true);
    const [lowerLease, upperLease] = children as [LeaseDocument, LeaseDocument];
    await fixture.stores[0].create(lowerLease);
    const oneChild = await estimateSource(deps, fixture.source, now());
    expect(codes(oneChild)).toEqual([]);
    expect(pendingByToken(oneChild)).toEqual({ ...expectedByToken, 3: 2, [lower]: 5 });
    expect(byToken(oneChild).get('3')).toMatchObject({ state: 'splitting', ranges: [{ rangeId: upper }] });
    expect(oneChild.pendingChanges).toBe(39);

    // Phase 2b: both child leases exist and the parent is not deleted yet: it is counted under its children only.
    await fixture.stores[0].create(upperLease);
    const bothChildren = await estimateSource(deps, fixture.source, now());
    expect(codes(bothChildren)).toEqual(['ESTIMATOR_LEASE_SUPERSEDED']);
    expect(pendingByToken(bothChildren)).toEqual({ ...expectedByToken, 3: null, [lower]: 5, [upper]: 2 });
    expect(byToken(bothChildren).get('3')).toMatchObject({ state: 'superseded', coveredBy: [lower, upper] });
    expect(bothChildren.pendingChanges).toBe(39);

    // Phase 3: the parent is deleted; the children are ordinary leases again.
    await fixture.stores[0].delete(parentLease);
    const childrenOnly = await estimateSource(deps, fixture.source, now());
    expect(codes(childrenOnly)).toEqual([]);
    expect(pendingByToken(childrenOnly)).toEqual({ ...expectedByToken, [lower]: 5, [upper]: 2 });
    expect(childrenOnly.leases.every((lease) => lease.state === undefined)).toBe(true);
    expect(childrenOnly.leases).toHaveLength(RANGES + 1);
    expect(childrenOnly.pendingChanges).toBe(39);
  });

  it('reads an old lease without FeedRange whose range was split through the children that name it as parent', async () => {
    const fixture = await newFixture();
    await startTrigger(fixture);
    await writePending(fixture);
    const lease = await leaseOf(fixture, '6');
    // An older host's lease: no FeedRange, only the lease token.
    const { FeedRange: _dropped, ...withoutRange } = lease;
    await leaseContainer.item(lease.id, lease.id).replace(withoutRange);
    cosmos.splitPartitionKeyRange({ databaseId, containerId: fixture.source.container, rangeId: '6' });
    const estimate = await estimateSource(deps, fixture.source, new Date());
    expect(codes(estimate)).toEqual([]);
    const parent = byToken(estimate).get('6');
    expect(parent?.state).toBe('splitting');
    expect(parent?.ranges).toHaveLength(2);
    // The default split point is the median of the range's documents, so both children hold pending ones and share
    // the parent's LSN history: the sum is an upper bound, at least the 7 pending and at most twice that.
    expect(parent?.pendingChanges).toBeGreaterThanOrEqual(7);
    expect(parent?.pendingChanges).toBeLessThanOrEqual(14);
  });
});
