/**
 * The fault schedule: one fault at a time, chosen and timed by the seeded PRNG, each undone before the next starts:
 * kill -9 of an out-of-process instance (and a new one started), a clean SIGTERM restart of one, a connection cut
 * through a relay (Service Bus always; PostgreSQL and Redis when they are targets), the webhook receiver down, and a
 * slow webhook receiver.
 */
import type { LocalInstances } from '../../local-host/instances.js';
import type { WebhookReceiver } from '../webhook-receiver.js';
import { messageOf } from '../../shared/errors.js';
import { sleep, type Random } from './random.js';
import type { CuttableRelay } from './tcp-proxy.js';

export interface FaultDeps {
  random: Random;
  instances: LocalInstances | undefined;
  relays: Record<string, CuttableRelay>;
  webhook: WebhookReceiver;
  log: (message: string) => void;
}

export interface FaultRecord {
  kind: string;
  atMs: number;
  durationMs: number;
  error?: string;
}

interface Fault {
  kind: string;
  run(): Promise<void>;
}

function faultsOf(deps: FaultDeps): Fault[] {
  const { random, instances, relays, webhook } = deps;
  const list: Fault[] = [];
  const restartOne = async (signal: 'SIGKILL' | 'SIGTERM') => {
    if (!instances) return;
    const running = instances.instances;
    if (running.length > 0) await instances.stop(random.pick(running), signal);
    await instances.add();
  };
  if (instances) {
    list.push({ kind: 'kill -9 instance', run: () => restartOne('SIGKILL') });
    list.push({ kind: 'SIGTERM instance', run: () => restartOne('SIGTERM') });
  }
  for (const [name, relay] of Object.entries(relays)) {
    list.push({
      kind: `cut ${name}`,
      run: async () => {
        relay.cut();
        await sleep(random.int(2_000, 6_000));
        relay.restore();
      },
    });
  }
  list.push({
    kind: 'webhook down',
    run: async () => {
      webhook.setDown(true);
      await sleep(random.int(2_000, 6_000));
      webhook.setDown(false);
    },
  });
  list.push({
    kind: 'webhook slow',
    run: async () => {
      webhook.delayMs = random.int(500, 3_000);
      await sleep(random.int(3_000, 8_000));
      webhook.delayMs = 0;
    },
  });
  return list;
}

/** Puts everything back as it was: relays open, receiver up and fast. Instances are restarted by the faults. */
export function restoreAll(deps: FaultDeps): void {
  for (const relay of Object.values(deps.relays)) relay.restore();
  deps.webhook.setDown(false);
  deps.webhook.delayMs = 0;
}

/** Runs faults until `until` (ms since epoch); resolves with what was done once the last fault is undone. */
export async function runFaults(deps: FaultDeps, until: number): Promise<FaultRecord[]> {
  const faults = faultsOf(deps);
  const records: FaultRecord[] = [];
  const startedAt = Date.now();
  await sleep(deps.random.int(1_000, 3_000));
  while (Date.now() < until) {
    const fault = deps.random.pick(faults);
    const at = Date.now();
    deps.log(`fault: ${fault.kind}`);
    const record: FaultRecord = { kind: fault.kind, atMs: at - startedAt, durationMs: 0 };
    try {
      await fault.run();
    } catch (error) {
      record.error = messageOf(error);
      deps.log(`fault ${fault.kind} failed: ${record.error}`);
    } finally {
      restoreAll(deps);
    }
    record.durationMs = Date.now() - at;
    records.push(record);
    await sleep(deps.random.int(1_000, 4_000));
  }
  return records;
}
