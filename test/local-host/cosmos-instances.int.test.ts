/**
 * Lease ownership of the local Cosmos DB trigger as instances join one by one up to four, one dies (a process killed
 * with SIGKILL, which never releases its leases) and another joins: after every change each of the 8 leases is owned
 * by a live instance and the shares are equal (8; 4+4; 3+3+2; 2+2+2+2). cosmos-lease-balancing.int.test.ts covers two
 * instances, a clean stop, expiry of a silent owner and splits; this adds the counts 1, 3 and 4, a crash of a real
 * process, and the documents written meanwhile. Lease intervals come from cosmos-lease-fixture.ts (acquire 200 ms,
 * renew 400 ms, expiration 4 s).
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Container } from '@azure/cosmos';
import { startLocalHost, type LocalHost } from '../../local-host/index.js';
import { startInstances, type LocalInstances } from '../../local-host/instances.js';
import { recorder, waitFor } from '../fixtures/local-host/recorder.js';
import { captureLog, ids, leasesOf, startRangedCosmos, type RangedCosmos } from './helpers.js';

const RANGES = 8;
const EXPIRATION_MS = 4_000;
const FIXTURE = new URL('./cosmos-lease-fixture.ts', import.meta.url).pathname;
let ranged: RangedCosmos;
let leases: Container;

beforeAll(async () => {
  ranged = await startRangedCosmos('inst-db', RANGES);
  ({ leases } = ranged);
});

afterAll(async () => {
  await ranged?.close();
});

beforeEach(() => recorder.reset());

describe('cosmosDBTrigger leases with 1 to 4 instances', () => {
  it('keeps every lease owned and the shares equal as instances join and one dies', async () => {
    const { container, prefix, settings } = await ranged.monitored();
    const log = captureLog();
    const hosts: LocalHost[] = [];
    const startHost = async () => {
      hosts.push(await startLocalHost({ files: [FIXTURE], settings, log: log.sink }));
    };
    let processes: LocalInstances | undefined;

    /** Lease count per owner once every lease is owned and the shares are the expected ones, in any order. */
    const balanced = (shares: number[], what: string) =>
      waitFor(
        `${what}: the 8 leases shared ${shares.join('+')}`,
        async () => {
          const counts = new Map<string, number>();
          for (const lease of await leasesOf(leases, prefix)) {
            counts.set(lease.Owner ?? '', (counts.get(lease.Owner ?? '') ?? 0) + 1);
          }
          const sorted = [...counts.values()].sort().reverse();
          return !counts.has('') && sorted.join() === shares.join() ? counts : undefined;
        },
        EXPIRATION_MS + 20_000,
      );

    let written = 0;
    const write = async (count: number) => {
      for (let end = written + count; written < end; written += 1) {
        await container.items.create({ id: `d${written}`, pk: `k${written}` });
      }
    };
    const delivered = () => new Set(recorder.calls('cosmosLeases').flatMap((call) => ids(call.input)));

    try {
      await write(40);
      await startHost();
      const [first] = (await balanced([8], 'one instance')).keys();
      // Delivered before the process instance joins: what a process delivers is not recorded in this one.
      await waitFor('the first documents delivered', () => delivered().size === written);
      await startHost();
      await balanced([4, 4], 'two instances');
      await startHost();
      const three = await balanced([3, 3, 2], 'three instances');
      // The fourth is a process of its own, so that it can die as a crashed instance does.
      processes = await startInstances(1, { files: [FIXTURE], settings, httpPort: 0, log: log.sink });
      const four = await balanced([2, 2, 2, 2], 'four instances');
      const [dying] = [...four.keys()].filter((owner) => !three.has(owner));
      expect(first).toMatch(/^[0-9a-f-]{36}$/);

      const [instance] = processes.instances;
      if (!instance || dying === undefined) throw new Error('no fourth instance to kill');
      await processes.stop(instance, 'SIGKILL');
      const killedAt = Date.now();
      await write(40);
      const survivors = await balanced([3, 3, 2], 'after the crash');
      expect(survivors.has(dying)).toBe(false);
      // The dead instance's leases were not taken before they expired: nobody released them.
      expect(Date.now() - killedAt).toBeGreaterThan(EXPIRATION_MS - 1_000);
      await waitFor(
        'the writes after the crash delivered by the survivors',
        () => delivered().size === written,
        20_000,
      );

      await startHost();
      await balanced([2, 2, 2, 2], 'a new fourth instance');
      await write(40);
      await waitFor('every document delivered', () => delivered().size === written, 20_000);
      expect(log.lines.filter((line) => line['level'] === 'error')).toEqual([]);
    } finally {
      await processes?.close();
      for (const host of hosts) await host.close();
    }
  }, 90_000);
});
