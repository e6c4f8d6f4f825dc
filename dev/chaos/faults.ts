/**
 * The fault schedule: one fault at a time, chosen and timed by the run's fault stream, each undone before the next
 * starts: kill -9 of an out-of-process instance (and a new one started), a clean SIGTERM restart of one, a connection
 * cut through a relay (Service Bus, and each target store: the Cosmos DB copy, Blob storage, PostgreSQL, Redis) for
 * seconds up to a minute, a store answering so slowly that a batch outlives its message locks, the webhook receiver
 * down, hanging past the target's timeout (again long enough to expire locks) or slow.
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
  /** The longest outage or slow spell, so a short run is not one fault long. */
  longestMs: number;
}

export interface FaultRecord {
  kind: string;
  atMs: number;
  durationMs: number;
  error?: string;
}

interface Fault {
  kind: string;
  /** Resolves once the fault is undone; with a more precise kind for the record when the fault chose one. */
  run(): Promise<string | void>;
}

/**
 * How long a SIGTERM'd instance may take to finish its invocations before the run kills it, as a platform ends a drain
 * that outlives its grace period. A stop that needs it is reported as a fault kind of its own.
 */
const STOP_GRACE_MS = 60_000;

/** Mostly seconds, one time in four up to the longest: short blips and the odd long outage. */
function outageMs(deps: FaultDeps): number {
  const long = deps.random.next() < 0.25;
  return deps.random.int(2_000, long ? Math.max(6_000, deps.longestMs) : 6_000);
}

function faultsOf(deps: FaultDeps): Fault[] {
  const { random, instances, relays, webhook } = deps;
  const list: Fault[] = [];
  const restartOne = async (signal: 'SIGKILL' | 'SIGTERM'): Promise<string | void> => {
    if (!instances) return;
    const running = instances.instances;
    let late = false;
    if (running.length > 0) {
      const victim = random.pick(running);
      const stopped = instances.stop(victim, signal);
      if (signal === 'SIGTERM') {
        late = await Promise.race([stopped.then(() => false), sleep(STOP_GRACE_MS).then(() => true)]);
        if (late) {
          deps.log(`an instance did not stop within ${STOP_GRACE_MS / 1000} s of SIGTERM; killing it`);
          await instances.stop(victim, 'SIGKILL');
        }
      }
      await stopped;
    }
    await instances.add();
    if (late) return `SIGTERM instance, killed after ${STOP_GRACE_MS / 1000} s`;
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
        await sleep(outageMs(deps));
        relay.restore();
      },
    });
  }
  // A slow Service Bus only slows everything down; a slow store is what makes a batch outlive its locks.
  const stores = Object.entries(relays).filter(([name]) => name !== 'Service Bus');
  if (stores.length > 0) {
    list.push({
      kind: 'slow store',
      run: async () => {
        const [name, relay] = random.pick(stores);
        deps.log(`fault: slow ${name}`);
        relay.slow(random.int(3_000, 15_000));
        await sleep(random.int(Math.min(20_000, deps.longestMs), deps.longestMs));
        relay.restore();
        return `slow ${name}`;
      },
    });
  }
  list.push({
    kind: 'webhook down',
    run: async () => {
      webhook.setDown(true);
      await sleep(outageMs(deps));
      webhook.setDown(false);
    },
  });
  list.push({
    kind: 'webhook hangs',
    run: async () => {
      // Past the target's 10 s request timeout: every request times out and is retried, so batches outlive locks.
      webhook.delayMs = 30_000;
      await sleep(random.int(Math.min(20_000, deps.longestMs), deps.longestMs));
      webhook.delayMs = 0;
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

/**
 * Runs faults until `until` (ms since epoch); resolves with what was done once the last fault is undone. Faults are
 * dealt from a shuffled deck, reshuffled when it runs out, so a long enough run plays every kind at least once.
 */
export async function runFaults(deps: FaultDeps, until: number): Promise<FaultRecord[]> {
  const faults = faultsOf(deps);
  const deck: Fault[] = [];
  const deal = (): Fault => {
    if (deck.length === 0) {
      deck.push(...faults);
      for (let index = deck.length - 1; index > 0; index -= 1) {
        const other = deps.random.int(0, index);
        [deck[index], deck[other]] = [deck[other] as Fault, deck[index] as Fault];
      }
    }
    return deck.pop() as Fault;
  };
  const records: FaultRecord[] = [];
  const startedAt = Date.now();
  await sleep(deps.random.int(1_000, 3_000));
  while (Date.now() < until) {
    const fault = deal();
    const at = Date.now();
    deps.log(`fault: ${fault.kind}`);
    const record: FaultRecord = { kind: fault.kind, atMs: at - startedAt, durationMs: 0 };
    try {
      record.kind = (await fault.run()) ?? fault.kind;
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
