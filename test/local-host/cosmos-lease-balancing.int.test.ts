/**
 * The local Cosmos DB trigger with several leases, against a local Cosmos DB whose containers have 8 physical
 * partitions: two host instances share the leases equally (one steal per balancing round), an instance takes back
 * leases whose owner stopped renewing once they expire, and a range split during writes turns the parent lease into
 * child leases that start from the parent's continuation, with nothing lost. Lease intervals are shortened by the
 * function file (cosmos-lease-fixture.ts).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Container } from '@azure/cosmos';
import type { LocalCosmos } from '../../local-stack/cosmos/local-cosmos.js';
import { startLocalHost, type LocalHost } from '../../local-host/index.js';
import type { LeaseDocument } from '../../shared/leases/lease-documents.js';
import { recorder, waitFor } from '../fixtures/local-host/recorder.js';
import { captureLog, ids, leasesOf, startRangedCosmos, type CapturedLog, type RangedCosmos } from './helpers.js';

const FUNCTION = 'cosmosLeases';
const RANGES = 8;
let ranged: RangedCosmos;
let cosmos: LocalCosmos;
let leases: Container;
let database: string;

beforeAll(async () => {
  ranged = await startRangedCosmos('lb-db', RANGES);
  ({ cosmos, leases, database } = ranged);
});

afterAll(async () => {
  await ranged?.close();
});

beforeEach(() => recorder.reset());

interface Instance {
  host: LocalHost;
  log: CapturedLog;
}

async function startInstance(settings: Record<string, string>): Promise<Instance> {
  const log = captureLog();
  const host = await startLocalHost({
    files: [new URL('./cosmos-lease-fixture.ts', import.meta.url).pathname],
    settings,
    log: log.sink,
  });
  return { host, log };
}

async function write(container: Container, from: number, count: number): Promise<string[]> {
  const written: string[] = [];
  for (let index = from; index < from + count; index += 1) {
    await container.items.create({ id: `d${index}`, pk: `k${index}` });
    written.push(`d${index}`);
  }
  return written;
}

const delivered = (): Set<string> => new Set(recorder.calls(FUNCTION).flatMap((call) => ids(call.input)));
const missing = (written: string[]): string[] => written.filter((id) => !delivered().has(id));

/** Lease count per owner ('' for none). */
async function shares(prefix: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const lease of await leasesOf(leases, prefix)) {
    counts.set(lease.Owner ?? '', (counts.get(lease.Owner ?? '') ?? 0) + 1);
  }
  return counts;
}

const errors = (log: CapturedLog) => log.lines.filter((line) => line['level'] === 'error');

describe('cosmosDBTrigger leases across instances', () => {
  it('shares 8 leases 4 and 4, and takes back expired leases and those of a stopped instance', async () => {
    const { container, prefix, settings } = await ranged.monitored();
    const written = await write(container, 0, 40);
    const a = await startInstance(settings);
    let b: Instance | undefined;
    try {
      const [ownerA] = await waitFor('instance A to hold all 8 leases', async () => {
        const counts = await shares(prefix);
        return counts.size === 1 && [...counts.values()][0] === RANGES ? [...counts.keys()] : undefined;
      });
      expect(ownerA).toMatch(/^[0-9a-f-]{36}$/);

      b = await startInstance(settings);
      const balanced = await waitFor(
        'the leases to be shared 4 and 4',
        async () => {
          const counts = await shares(prefix);
          return counts.size === 2 && counts.get(ownerA ?? '') === 4 ? counts : undefined;
        },
        20_000,
      );
      expect([...balanced.values()]).toEqual([4, 4]);
      // B took them one per round from A, and A noticed each loss on its next lease write.
      const stolen = b.log.events('cosmos.lease.stolen');
      expect(stolen).toHaveLength(4);
      expect(new Set(stolen.map((line) => line['from']))).toEqual(new Set([ownerA]));
      await waitFor('A to notice its 4 lost leases', () => a.log.events('cosmos.lease.lost').length === 4);

      written.push(...(await write(container, 40, 40)));
      await waitFor('every document delivered', () => missing(written).length === 0, 20_000);

      // B stops (and releases its leases): A takes them in its next rounds.
      await b.host.close();
      await waitFor('A to hold all 8 again', async () => (await shares(prefix)).get(ownerA ?? '') === RANGES);

      // An instance that dies keeps its leases until they expire: one "ghost" owner takes 3 and never renews.
      const [first, second, third] = await leasesOf(leases, prefix);
      const ghostTime = new Date().toISOString();
      for (const lease of [first, second, third] as LeaseDocument[]) {
        await leases.item(lease.id, lease.id).replace({ ...lease, Owner: 'ghost', timestamp: ghostTime });
      }
      written.push(...(await write(container, 80, 40)));
      await waitFor('the ghost leases to expire and go back to A', async () => {
        const counts = await shares(prefix);
        return counts.get(ownerA ?? '') === RANGES ? counts : undefined;
      });
      // Not before the expiration interval (4 s): A's share was 4 and it held 5, so it took nothing earlier.
      expect(Date.now() - Date.parse(ghostTime)).toBeGreaterThan(4_000);
      await waitFor('every document delivered', () => missing(written).length === 0, 20_000);
      expect([...errors(a.log), ...errors(b.log)]).toEqual([]);
    } finally {
      await b?.host.close();
      await a.host.close();
    }
  }, 90_000);

  it('splits a lease when its range splits during writes: children from the parent continuation, nothing lost', async () => {
    const { container, prefix, settings } = await ranged.monitored();
    const written = await write(container, 0, 40);
    const a = await startInstance(settings);
    const b = await startInstance(settings);
    try {
      await waitFor(
        'the leases to be shared 4 and 4',
        async () => [...(await shares(prefix)).values()].join() === '4,4',
        20_000,
      );
      // Keep writing while range 0 splits.
      const writer = write(container, 40, 200).then((more) => written.push(...more));
      await waitFor('some writes after the start', () => recorder.calls(FUNCTION).length > 0);
      const split = cosmos.splitPartitionKeyRange({ databaseId: database, containerId: container.id, rangeId: '0' });
      await writer;

      const [event] = await waitFor('the split lease event', () => {
        const found = [...a.log.events('cosmos.lease.split'), ...b.log.events('cosmos.lease.split')];
        return found.length > 0 ? found : undefined;
      });
      expect(event).toMatchObject({
        leaseToken: '0',
        children: split.children.map((child) => child.id),
        created: split.children.map((child) => child.id),
      });
      const continuation = event?.['continuationToken'];
      expect(continuation).toMatch(/^"\d+"$/);
      // The instance that split the lease acquires the children at the parent's continuation (right after the event).
      const childAcquired = () =>
        [...a.log.events('cosmos.lease.acquired'), ...b.log.events('cosmos.lease.acquired')].filter((line) =>
          split.children.some((child) => child.id === line['leaseToken']),
        );
      const acquired = await waitFor('both children acquired', () =>
        childAcquired().length >= 2 ? childAcquired() : undefined,
      );
      expect(acquired.map((line) => line['continuationToken'])).toEqual([continuation, continuation]);

      await waitFor('every document delivered', () => missing(written).length === 0, 30_000);
      const after = await leasesOf(leases, prefix);
      expect(after.map((lease) => lease.LeaseToken).sort()).toEqual(
        ['1', '2', '3', '4', '5', '6', '7', ...split.children.map((child) => child.id)].sort(),
      );
      for (const child of split.children) {
        expect(after.find((lease) => lease.LeaseToken === child.id)).toMatchObject({
          id: `${prefix}${child.id}`,
          version: 0,
          FeedRange: { Range: { min: child.minInclusive, max: child.maxExclusive } },
          Owner: expect.any(String),
          Mode: 'Incremental Feed',
          properties: {},
        });
      }
      // 9 leases over 2 instances settle at 5 and 4.
      await waitFor(
        'the 9 leases to be shared 5 and 4',
        async () => [...(await shares(prefix)).values()].sort().join() === '4,5',
        20_000,
      );
      expect([...errors(a.log), ...errors(b.log)]).toEqual([]);
    } finally {
      await b.host.close();
      await a.host.close();
    }
  }, 90_000);

  it('splits a lease whose range split while no instance held it, as soon as an instance acquires it', async () => {
    const { container, prefix, settings } = await ranged.monitored();
    const written = await write(container, 0, 40);
    let a = await startInstance(settings);
    await waitFor('every document delivered', () => missing(written).length === 0);
    await a.host.close();
    const before = (await leasesOf(leases, prefix)).find((lease) => lease.LeaseToken === '3');
    const split = cosmos.splitPartitionKeyRange({ databaseId: database, containerId: container.id, rangeId: '3' });
    written.push(...(await write(container, 40, 40)));
    // A lease as older hosts wrote it, without FeedRange: acquiring it fills the range in, as the processor does.
    const old = (await leasesOf(leases, prefix)).find((lease) => lease.LeaseToken === '5') as LeaseDocument;
    const { FeedRange: range5, ...withoutRange } = old;
    await leases.item(old.id, old.id).replace(withoutRange);
    a = await startInstance(settings);
    try {
      const [event] = await waitFor('the split lease event', () => a.log.events('cosmos.lease.split'));
      expect(event).toMatchObject({
        leaseToken: '3',
        children: split.children.map((child) => child.id),
        continuationToken: before?.ContinuationToken,
      });
      await waitFor('every document delivered', () => missing(written).length === 0);
      const tokens = (await leasesOf(leases, prefix)).map((lease) => lease.LeaseToken).sort();
      expect(tokens).toEqual(['0', '1', '2', '4', '5', '6', '7', ...split.children.map((child) => child.id)].sort());
      expect((await leasesOf(leases, prefix)).find((lease) => lease.LeaseToken === '5')?.FeedRange).toEqual(range5);
      expect(errors(a.log)).toEqual([]);
    } finally {
      await a.host.close();
    }
  }, 60_000);
});
