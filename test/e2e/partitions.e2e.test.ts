/**
 * The whole pipeline on a source container with 8 feed ranges, two instances of the app (the in-process host and a
 * process of its own), under continuous writes: range 0 splits, the second instance is killed (SIGKILL) and a new one
 * starts, then range 5 splits. At the end every lease is owned by a live instance, the leases are shared equally, and
 * both targets (the Cosmos DB copy and the webhook receiver) hold every source document key by key, at its final
 * version, live or deleted.
 *
 * Lease intervals are seconds here (test/e2e/partitions-lease-intervals.ts: acquire 1 s, renew 2 s, expiry 8 s) and
 * the subscriptions' locks 5 s, so a killed instance's leases and messages come back within the test; the rest is the
 * app as deployed.
 */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ChangeFeedStartFrom, StatusCodes, type Container } from '@azure/cosmos';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalPipeline, type LocalPipeline } from '../../dev/pipeline.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../dev/webhook-receiver.js';
import type { HostLogLine } from '../../local-host/log.js';
import type { LeaseDocument } from '../../shared/leases/lease-documents.js';
import { eventually, type TargetDoc } from './support.js';

const RANGES = 8;
const KEYS = 60;
const WRITERS = 4;
/** The fixture's leaseExpirationInterval. */
const LEASE_EXPIRY_MS = 8_000;

const file = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
const FILES = [
  file('./partitions-lease-intervals.ts'),
  file('../../functions/apply-changes.ts'),
  file('../../functions/app-lifecycle.ts'),
];

/** The project's broker entities with 5 s locks on the two target subscriptions (messages of a killed instance). */
function brokerConfig(): unknown {
  const config = JSON.parse(
    readFileSync(new URL('../../local-stack/servicebus/servicebus.config.json', import.meta.url), 'utf8'),
  ) as { UserConfig: { Namespaces: { Topics: { Subscriptions: { Name: string; Properties: object }[] }[] }[] } };
  for (const topic of config.UserConfig.Namespaces[0]?.Topics ?? []) {
    for (const subscription of topic.Subscriptions) {
      if (subscription.Name === 'cosmos-target' || subscription.Name === 'webhook-target') {
        subscription.Properties = { ...subscription.Properties, LockDuration: 'PT5S' };
      }
    }
  }
  return config;
}

interface Written {
  revision: number;
  deleted: boolean;
}

/** Writers that upsert revisions of their own keys (so each key's last write is known) until stopped. */
function startWriters(source: Container, expected: Map<string, Written>) {
  let stopping = false;
  let writes = 0;
  const writer = async (index: number): Promise<void> => {
    for (let step = 0; !stopping; step += 1) {
      const key = index + WRITERS * (step % (KEYS / WRITERS));
      const id = `key-${key}`;
      const revision = (expected.get(id)?.revision ?? 0) + 1;
      // Every 7th write soft-deletes the document (published as a delete); the next write brings it back.
      const deleted = (step + key) % 7 === 6;
      await source.items.upsert({ id, customerId: `c${key}`, revision, ...(deleted ? { _deleted: true } : {}) });
      expected.set(id, { revision, deleted });
      writes += 1;
      // elapsed: pace the writes (about 100 a second in all) so the writes span the splits and the kill
      await new Promise((resolve) => setTimeout(resolve, 40));
    }
  };
  const running = Promise.all(Array.from({ length: WRITERS }, (_, index) => writer(index)));
  return {
    get writes() {
      return writes;
    },
    stop: async () => {
      stopping = true;
      await running;
    },
  };
}

describe('pipeline end to end: 8 feed ranges, splits and a killed instance during writes', () => {
  let pipeline: LocalPipeline;
  let receiver: WebhookReceiver;
  const lines: HostLogLine[] = [];

  beforeAll(async () => {
    const secret = randomBytes(32).toString('hex');
    receiver = await startWebhookReceiver({ secret });
    pipeline = await startLocalPipeline({
      stack: {
        serviceBusConfig: brokerConfig(),
        cosmosPhysicalPartitions: ({ containerId }) => (containerId === 'orders' ? RANGES : 1),
      },
      instances: 2,
      files: FILES,
      adjustSettings: async (settings) => ({
        ...settings,
        COSMOS_SYNC_TARGETS: JSON.stringify([
          ...(JSON.parse(settings['COSMOS_SYNC_TARGETS'] ?? '[]') as unknown[]),
          { name: 'orders-webhook', type: 'webhook', subscription: 'webhook-target', url: receiver.url },
        ]),
        COSMOS_SYNC_WEBHOOK_SECRET: secret,
      }),
      log: (line) => lines.push(line),
    });
  }, 120_000);

  afterAll(async () => {
    // A failure is easier to read beside what the instances reported as errors.
    const errors = lines.filter((line) => line['level'] === 'error');
    if (errors.length > 0) console.log(`host errors:\n${errors.map((line) => JSON.stringify(line)).join('\n')}`);
    await pipeline?.close();
    await receiver?.close();
  });

  const source = () => pipeline.cosmos.database('shop').container('orders');
  const copy = () => pipeline.cosmos.database('shop').container('orders-copy');

  async function leases(): Promise<LeaseDocument[]> {
    const { resources } = await pipeline.cosmos
      .database('shop')
      .container('leases')
      .items.query<LeaseDocument>("SELECT * FROM c WHERE STARTSWITH(c.id, 'orders-')")
      .fetchAll();
    return resources.filter((lease) => lease.id.includes('..'));
  }

  /** Lease count per owner ('' for none). */
  async function shares(): Promise<Map<string, number>> {
    const counts = new Map<string, number>();
    for (const lease of await leases()) counts.set(lease.Owner ?? '', (counts.get(lease.Owner ?? '') ?? 0) + 1);
    return counts;
  }

  /** The split logged by an instance and the lease documents replaced by the children. */
  const splitHandled = (rangeId: string, leaseCount: number, timeoutMs = 30_000) =>
    eventually(
      async () =>
        lines.some((line) => line['event'] === 'cosmos.lease.split' && line['leaseToken'] === rangeId) &&
        (await leases()).length === leaseCount
          ? true
          : undefined,
      `the split of range ${rangeId} handled`,
      timeoutMs,
    );

  const splitRange = (rangeId: string) =>
    pipeline.stack.cosmos.splitPartitionKeyRange({ databaseId: 'shop', containerId: 'orders', rangeId });

  it('ends with every lease owned and shared equally, and both targets equal to the source', async () => {
    const before = await eventually(
      async () => {
        const counts = await shares();
        return counts.size === 2 && [...counts.values()].join() === '4,4' ? counts : undefined;
      },
      'the 8 leases to be shared 4 and 4',
      30_000,
    );
    const expected = new Map<string, Written>();
    const writers = startWriters(source(), expected);
    let leaseCount = RANGES;
    try {
      await eventually(async () => (receiver.state.size >= KEYS / 2 ? true : undefined), 'the first deliveries');
      const first = splitRange('0');
      leaseCount += first.children.length - 1;
      // The split is handled (children created, parent deleted, children acquired) before the kill, so that the
      // instance handling it cannot die half-way; a dying owner's leases are what the kill tests.
      await splitHandled('0', leaseCount);

      const [second] = pipeline.extraInstances?.instances ?? [];
      if (!second) throw new Error('no second instance to kill');
      await pipeline.extraInstances?.stop(second, 'SIGKILL');
      const writesAtKill = writers.writes;
      await pipeline.extraInstances?.add();
      await eventually(async () => (writers.writes > writesAtKill + 50 ? true : undefined), 'writes after the kill');

      const later = splitRange('5');
      leaseCount += later.children.length - 1;
      // Range 5 may belong to the killed instance: its lease splits once another instance acquires it after expiry.
      await splitHandled('5', leaseCount, LEASE_EXPIRY_MS + 20_000);
    } finally {
      await writers.stop();
    }

    // Every lease owned by one of the two live instances, 5 and 5; the killed instance's owner holds none.
    const after = await eventually(
      async () => {
        const all = await leases();
        const counts = await shares();
        const fresh = all.every((lease) => Date.now() - Date.parse(lease.timestamp) < LEASE_EXPIRY_MS);
        const values = [...counts.values()];
        return !counts.has('') && counts.size === 2 && fresh && Math.max(...values) - Math.min(...values) <= 1
          ? counts
          : undefined;
      },
      'every lease owned by a live instance and the leases balanced',
      LEASE_EXPIRY_MS + 30_000,
    );
    expect([...after.values()].sort()).toEqual([5, 5]);
    // One owner survived (the in-process host), one is new (the added instance); the killed one's leases moved.
    expect([...after.keys()].filter((owner) => before.has(owner))).toHaveLength(1);

    // The source's versions as the change feed gives them (queries and reads carry no _lsn, in Azure as here).
    const sourceDocs = await latestVersions(source());
    expect(sourceDocs).toHaveLength(KEYS);
    for (const doc of sourceDocs) {
      expect({ revision: doc.revision, deleted: doc._deleted === true }).toEqual(expected.get(doc.id));
    }
    // The version (LSN) and, for a live document, its revision: a lost event leaves an older one behind.
    const wanted = new Map(sourceDocs.map((doc) => [doc.id, versionOf(doc._deleted === true, doc._lsn, doc.revision)]));

    await converges('the Cosmos DB copy', wanted, async () => {
      const { resources } = await copy().items.query<TargetDoc>('SELECT * FROM c').fetchAll();
      return new Map(resources.map((doc) => [doc.id, versionOf(doc._sync.deleted, doc._sync.lsn, doc.revision)]));
    });
    await converges(
      'the webhook receiver',
      wanted,
      async () =>
        new Map(
          [...receiver.state].map(([key, state]) => [
            String((JSON.parse(key) as unknown[])[2]),
            versionOf(state.deleted, state.version.lsn, state.document?.['revision']),
          ]),
        ),
    );

    const splits = lines.filter((line) => line['event'] === 'cosmos.lease.split');
    expect(splits.map((line) => line['leaseToken']).sort()).toEqual(['0', '5']);
    const failures = lines.filter(
      (line) => line['event'] === 'cosmos.lease.split_failed' || line['event'] === 'cosmos.lease.merge_unsupported',
    );
    expect(failures).toEqual([]);
    console.log(
      `partitions e2e: ${writers.writes} writes to ${KEYS} keys; ${splits.length} splits; leases at the end ` +
        `${[...after.values()].join(' and ')}; ${receiver.arrivals.length} webhook events for ${KEYS} keys`,
    );
  }, 150_000);
});

interface SourceDoc {
  id: string;
  revision: number;
  _deleted?: boolean;
  _lsn: number;
}

/** Every document's latest version, read from the whole container's change feed (LatestVersion) from the start. */
async function latestVersions(container: Container): Promise<SourceDoc[]> {
  const iterator = container.items.getChangeFeedIterator<SourceDoc>({
    changeFeedStartFrom: ChangeFeedStartFrom.Beginning(),
  });
  const latest = new Map<string, SourceDoc>();
  for (let empty = 0; empty < 50 && (empty < 2 || latest.size < KEYS);) {
    const page = await iterator.readNext();
    if (page.statusCode === StatusCodes.NotModified) empty += 1;
    for (const doc of page.result ?? []) {
      if ((latest.get(doc.id)?._lsn ?? -1) < doc._lsn) latest.set(doc.id, doc);
    }
  }
  return [...latest.values()];
}

function versionOf(deleted: boolean, lsn: number, revision: unknown) {
  return deleted ? { deleted, lsn } : { deleted, lsn, revision };
}

type Version = ReturnType<typeof versionOf>;

/** The keys whose version differs (or that only one side has), as `key: held -> wanted`. */
function differences(held: Map<string, Version>, wanted: Map<string, Version>): string[] {
  const keys = new Set([...held.keys(), ...wanted.keys()]);
  return [...keys]
    .filter((key) => JSON.stringify(held.get(key)) !== JSON.stringify(wanted.get(key)))
    .map((key) => `${key}: ${JSON.stringify(held.get(key))} -> ${JSON.stringify(wanted.get(key))}`);
}

/** Waits until the target holds exactly the wanted versions; on timeout the error names the keys that differ. */
async function converges(
  what: string,
  wanted: Map<string, Version>,
  read: () => Promise<Map<string, Version>>,
): Promise<void> {
  let last: string[] = [];
  try {
    await eventually(
      async () => {
        last = differences(await read(), wanted);
        return last.length === 0 ? true : undefined;
      },
      `${what} to equal the source`,
      40_000,
      500,
    );
  } catch (error) {
    throw new Error(`${String(error)}; ${last.length} keys differ: ${last.slice(0, 8).join('; ')}`, { cause: error });
  }
}
