/**
 * The storm itself: the seeded workload (with poison documents and poison messages), the duplicator and the fault
 * schedule run together until the time is up; then everything is stopped and restored, and the copies still scheduled
 * are sent, so what the targets must converge to is fixed when this returns.
 */
import type { Container } from '@azure/cosmos';
import type { ServiceBusClient } from '@azure/service-bus';
import { startDuplicator } from './duplicator.js';
import { restoreAll, runFaults, type FaultDeps, type FaultRecord } from './faults.js';
import { poisonMessageSender } from './poison-messages.js';
import { streamOf } from './random.js';
import { SHORT_TTL_SECONDS, startWorkload, type ChaosWorkload, type WorkloadOptions } from './workload.js';

export interface StormOptions {
  seed: number;
  mode: WorkloadOptions['mode'];
  seconds: number;
  keys: number;
  source: Container;
  sourceName: string;
  serviceBus: ServiceBusClient;
  topic: string;
  /** Subscriptions the duplicator sends copies to. */
  subscriptions: readonly string[];
  faults: FaultDeps;
  /** Host error lines so far, for the progress line. */
  hostErrors: () => number;
  log: (message: string) => void;
}

export interface StormResult {
  workload: ChaosWorkload;
  faults: FaultRecord[];
  duplicates: Record<string, number>;
  /** When the faults and the writes ended (ms since epoch). */
  endedAt: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function runStorm(options: StormOptions): Promise<StormResult> {
  const { log } = options;
  const startedAt = Date.now();
  const until = startedAt + options.seconds * 1000;
  const poisonSender = options.serviceBus.createSender(options.topic);
  const workload = startWorkload(
    options.source,
    {
      seed: options.seed,
      mode: options.mode,
      keys: options.keys,
      writers: 4,
      pauseMs: 100,
      sendPoisonMessage: poisonMessageSender(poisonSender, options.sourceName),
    },
    log,
  );
  const duplicator = startDuplicator(options.serviceBus, {
    topic: options.topic,
    subscriptions: options.subscriptions,
    random: streamOf(options.seed, 'duplicator'),
    share: 0.05,
    delayMs: { min: 1_000, max: 15_000 },
    log,
  });
  const progress = setInterval(() => {
    const c = workload.counts;
    const copies = Object.values(duplicator.sent).reduce((sum, count) => sum + count, 0);
    log(
      `t+${Math.round((Date.now() - startedAt) / 1000)} s: creates ${c.creates}, updates ${c.updates}, soft deletes ${c.deletes}, hard deletes ${c.hardDeletes}, re-creates ${c.recreates}, poison documents ${workload.poison.length}, poison messages ${workload.poisonMessages.length}, copies ${copies}, failed ${c.failed}; host errors ${options.hostErrors()}`,
    );
  }, 5_000);
  let faults: FaultRecord[] = [];
  try {
    faults = await runFaults(options.faults, until);
    const left = until - Date.now();
    // elapsed: the workload runs for the whole of --seconds even when the last fault ended early.
    if (left > 0) await sleep(left);
  } finally {
    await workload.stop();
    await duplicator.stop();
    await poisonSender.close();
    clearInterval(progress);
    restoreAll(options.faults);
  }
  if (options.mode === 'AllVersionsAndDeletes') {
    // elapsed: the last soft deletes must have expired (and the sweeper removed them) before the source is read.
    await sleep((SHORT_TTL_SECONDS.max + 2) * 1000);
  }
  return { workload, faults, duplicates: duplicator.sent, endedAt: Date.now() };
}
