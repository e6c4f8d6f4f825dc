/**
 * The lag estimator on the leases the local host's own Cosmos DB trigger writes for a container with 8 partition key
 * ranges, through a split that the trigger handles itself: caught up (0 pending on every lease), stopped with known
 * writes per range (exact per lease and in total), split while stopped (the parent lease spans both children, the
 * total unchanged), restarted (the trigger replaces the parent with child leases and delivers everything: 0 again).
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Container, CosmosClient, PartitionKeyDefinition } from '@azure/cosmos';
import { startLocalHost, type LocalHost } from '../../local-host/index.js';
import { startLocalCosmos, type LocalCosmos } from '../../local-stack/cosmos/index.js';
import { sourceSchema, type SourceConfig } from '../../shared/config/schema.js';
import { estimateSource, type EstimatorDeps } from '../../shared/metrics/estimator/index.js';
import { recorder, waitFor } from '../fixtures/local-host/recorder.js';
import { captureLog, cosmosClient, fixture, ids, leasesOf, uniqueName } from '../local-host/helpers.js';
import { epkOf, keysIn, rangesOf } from '../local-stack/cosmos-range-helpers.js';
import { localEstimatorDeps } from './estimator-deps.js';

const RANGES = 8;
const KEY: PartitionKeyDefinition = { paths: ['/pk'] };
const databaseId = uniqueName('esth-db');
const connection = `EstimatorHost${randomUUID().replace(/-/g, '').slice(0, 8)}`;
let cosmos: LocalCosmos;
let client: CosmosClient;
let deps: EstimatorDeps;

beforeAll(async () => {
  cosmos = await startLocalCosmos({
    physicalPartitions: ({ containerId }) => (containerId.startsWith('monitored') ? RANGES : 1),
  });
  client = cosmosClient(cosmos.endpoint, cosmos.key);
  await client.databases.createIfNotExists({ id: databaseId });
  deps = localEstimatorDeps(cosmos, connection);
});

afterAll(async () => {
  client?.dispose();
  await cosmos?.close();
});

beforeEach(() => recorder.reset());

function startHost(container: Container): Promise<LocalHost> {
  return startLocalHost({
    files: [fixture('cosmos-batches.ts')],
    settings: {
      LH_COSMOS: `AccountEndpoint=${cosmos.endpoint};AccountKey=${cosmos.key};`,
      LH_DB: databaseId,
      LH_BATCH_CONTAINER: container.id,
    },
    log: captureLog().sink,
  });
}

function delivered(): Set<string> {
  return new Set(recorder.calls('cosmosBatches').flatMap((call) => ids(call.input)));
}

async function write(container: Container, keys: readonly string[]): Promise<string[]> {
  for (const key of keys) await container.items.create({ id: key, pk: key });
  return [...keys];
}

describe('the estimator on the local trigger’s leases of an 8-range container', () => {
  it('follows the trigger through caught up, behind, split and its rewriting of the leases', async () => {
    const { container } = await client
      .database(databaseId)
      .containers.create({ id: uniqueName('monitored'), partitionKey: KEY });
    const ranges = await rangesOf(container);
    expect(ranges).toHaveLength(RANGES);
    const source: SourceConfig = {
      ...sourceSchema.parse({
        name: 'batches-source',
        connection,
        database: databaseId,
        container: container.id,
        partitionKeyPaths: ['/pk'],
        // The fixture's trigger: lease container "leases" in the monitored database, prefix "batches-".
        leasePrefix: 'batches-',
        leaseContainer: 'leases',
      }),
      createLeaseContainer: true,
    };
    const estimate = (): ReturnType<typeof estimateSource> => estimateSource(deps, source, new Date());
    const first = await write(
      container,
      ranges.flatMap((range) => keysIn(KEY, range, 2, `first-${range.id}`)),
    );

    // Caught up: every lease checkpointed by the trigger, nothing pending.
    let host = await startHost(container);
    try {
      await waitFor('all first documents delivered', () => first.every((id) => delivered().has(id)), 30_000);
      const caughtUp = await waitFor(
        'every lease checkpointed',
        async () => {
          const result = await estimate();
          return result.pendingChanges === 0 && result.leases.length === RANGES ? result : undefined;
        },
        30_000,
      );
      expect(caughtUp.problems).toEqual([]);
      expect(caughtUp.leases.every((lease) => lease.continuation !== null)).toBe(true);
    } finally {
      await host.close();
    }

    // Behind: range i gets i + 1 documents while the trigger is stopped.
    const pendingKeys = new Map(
      ranges.map((range, index) => [range.id, keysIn(KEY, range, index + 1, `late-${range.id}`)]),
    );
    for (const keys of pendingKeys.values()) await write(container, keys);
    const behind = await estimate();
    expect(behind.problems).toEqual([]);
    expect(Object.fromEntries(behind.leases.map((lease) => [lease.leaseToken, lease.pendingChanges]))).toEqual({
      0: 1,
      1: 2,
      2: 3,
      3: 4,
      4: 5,
      5: 6,
      6: 7,
      7: 8,
    });
    expect(behind.pendingChanges).toBe(36);

    // Split range "2" above its pending documents (so the LSN distance stays exact) while the trigger is stopped.
    const epks = (pendingKeys.get('2') ?? []).map((key) => epkOf(KEY, key)).sort();
    const at = `${epks[epks.length - 1] ?? ''}0`;
    const split = cosmos.splitPartitionKeyRange({ databaseId, containerId: container.id, rangeId: '2', at });
    const parentOnly = await estimate();
    expect(parentOnly.problems).toEqual([]);
    expect(parentOnly.pendingChanges).toBe(36);
    expect(parentOnly.leases.find((lease) => lease.leaseToken === '2')).toMatchObject({
      state: 'splitting',
      pendingChanges: 3,
      ranges: split.children.map((child) => ({ rangeId: child.id })),
    });

    // Restarted: the trigger meets 410/1002 on the parent, writes child leases, deletes the parent, delivers the rest.
    recorder.reset();
    host = await startHost(container);
    try {
      const all = [...pendingKeys.values()].flat();
      await waitFor('all late documents delivered', () => all.every((id) => delivered().has(id)), 30_000);
      const settled = await waitFor(
        'child leases checkpointed',
        async () => {
          const result = await estimate();
          return result.pendingChanges === 0 && result.leases.length === RANGES + 1 ? result : undefined;
        },
        30_000,
      );
      expect(settled.problems).toEqual([]);
      expect(settled.leases.map((lease) => lease.leaseToken).sort()).toEqual(
        ['0', '1', '3', '4', '5', '6', '7', ...split.children.map((child) => child.id)].sort(),
      );
      expect(settled.leases.every((lease) => lease.state === undefined)).toBe(true);
      const stored = await leasesOf(client.database(databaseId).container('leases'), 'batches-');
      expect(stored.some((lease) => lease.LeaseToken === '2')).toBe(false);
    } finally {
      await host.close();
    }
  });
});
