/**
 * `npm run chaos`: the fault storm. Runs the local pipeline with every reachable target, writes a seeded workload while
 * seeded faults hit it (instances killed and restarted, Service Bus / PostgreSQL / Redis connections cut, the webhook
 * receiver down or slow), then restores everything, waits for the targets to settle and compares each one with the
 * source key by key. Exits 0 only when nothing is missing, stale, resurrected or extra and every poison document was
 * quarantined. The seed is printed so a failure can be replayed.
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { Command, InvalidArgumentError } from 'commander';
import { createLocalAdministrationClient } from '../../local-stack/servicebus/admin/index.js';
import type { HostLogLine } from '../../local-host/index.js';
import { messageOf } from '../../shared/errors.js';
import { startLocalPipeline, type LocalPipeline } from '../pipeline.js';
import { prepareSampleTargets } from '../sample-targets.js';
import { waitForAll } from '../target-convergence.js';
import { targetsUnderTest } from '../targets-under-test.js';
import { restoreAll, runFaults, type FaultDeps } from './faults.js';
import { seededRandom } from './random.js';
import { failures, renderReport, type ChaosReport } from './report.js';
import { startRelay, type CuttableRelay } from './tcp-proxy.js';
import { judgePoison, judgeTarget, readSource } from './verdict.js';
import { startWorkload } from './workload.js';

const log = (message: string) => console.error(`[chaos ${new Date().toISOString().slice(11, 19)}] ${message}`);

async function closeWithin(part: string, close: () => Promise<unknown>, ms = 30_000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<void>((resolve) => {
    timer = setTimeout(() => {
      log(`closing ${part} did not finish within ${ms / 1000} s; going on`);
      resolve();
    }, ms);
  });
  try {
    await Promise.race([close().catch((error: unknown) => log(`closing ${part}: ${messageOf(error)}`)), timedOut]);
  } finally {
    clearTimeout(timer);
  }
}

function whole(min: number) {
  return (value: string): number => {
    const number = Number(value);
    if (!Number.isInteger(number) || number < min)
      throw new InvalidArgumentError(`expected a whole number >= ${min}, got "${value}"`);
    return number;
  };
}

/** Points `url`-like connection text at the relay: the port of the first `host:port` after the scheme. */
function throughRelay(text: string, upstreamPort: number, relay: CuttableRelay): string {
  return text.replace(`:${upstreamPort}`, `:${relay.port}`);
}

function portOf(text: string, fallback: number): number {
  const match = /:\/\/[^/;:]*:(\d+)/.exec(text);
  return match ? Number(match[1]) : fallback;
}

async function main(): Promise<number> {
  const options = new Command('chaos')
    .description('Run a seeded fault storm against the local pipeline and check every target against the source.')
    .option('--seconds <n>', 'how long the workload and the faults run', whole(1), 90)
    .option('--seed <n>', 'seed of the workload and fault schedule (default: random, printed)', whole(0))
    .option('--keys <n>', 'documents the workload writes over', whole(1), 300)
    .option('--instances <n>', 'instances of the app (all but one in processes of their own)', whole(1), 2)
    .option('--timeout <seconds>', 'how long to wait for convergence after the faults', whole(1), 180)
    .parse(process.argv)
    .opts<{ seconds: number; seed?: number; keys: number; instances: number; timeout: number }>();
  const seed = options.seed ?? Math.floor(Math.random() * 1_000_000);
  const replay = `npm run chaos -- --seed ${seed} --seconds ${options.seconds} --keys ${options.keys} --instances ${options.instances}`;
  log(`seed ${seed} (replay: ${replay})`);
  const random = seededRandom(seed);

  const extra = await prepareSampleTargets();
  for (const reason of extra.skipped) log(`skipping a target: ${reason}`);
  const relays: Record<string, CuttableRelay> = {};
  const hostErrors: HostLogLine[] = [];
  let pipeline: LocalPipeline;
  try {
    pipeline = await startLocalPipeline({
      instances: options.instances,
      log: (line) => {
        if (line['level'] === 'error') hostErrors.push(line);
      },
      adjustSettings: async (settings) => {
        const adjusted: Record<string, string> = {
          ...settings,
          ...extra.settings,
          COSMOS_SYNC_TARGETS: JSON.stringify([
            ...(JSON.parse(settings['COSMOS_SYNC_TARGETS'] ?? '[]') as unknown[]),
            ...extra.targets,
          ]),
        };
        const route = async (name: string, setting: string, fallbackPort: number) => {
          const text = adjusted[setting];
          if (!text) return;
          const port = portOf(text, fallbackPort);
          const relay = await startRelay(port);
          relays[name] = relay;
          adjusted[setting] = throughRelay(text, port, relay);
        };
        await route('Service Bus', 'ServiceBus', 5672);
        await route('PostgreSQL', 'PostgresTarget', 5432);
        await route('Redis', 'RedisTarget', 6379);
        return adjusted;
      },
    });
  } catch (error) {
    await Promise.all(Object.values(relays).map((relay) => relay.close()));
    await extra.close();
    throw error;
  }
  log(`pipeline up; relays: ${Object.keys(relays).join(', ')}`);
  const faultDeps: FaultDeps = {
    random,
    instances: pipeline.extraInstances,
    relays,
    webhook: extra.webhook,
    log,
  };
  try {
    const source = pipeline.cosmos.database('shop').container('orders');
    const copy = pipeline.cosmos.database('shop');
    await copy.containers.createIfNotExists({ id: 'orders-copy', partitionKey: { paths: ['/pk'] } });
    const startedAt = Date.now();
    const until = startedAt + options.seconds * 1000;
    const workload = startWorkload(source, random, { keys: options.keys, writers: 4, pauseMs: 100 }, log);
    const progress = setInterval(() => {
      const c = workload.counts;
      log(
        `t+${Math.round((Date.now() - startedAt) / 1000)} s: creates ${c.creates}, updates ${c.updates}, deletes ${c.deletes}, re-creates ${c.recreates}, poison ${workload.poison.length}, failed ${c.failed}; host errors ${hostErrors.length}`,
      );
    }, 5_000);
    let faults;
    try {
      faults = await runFaults(faultDeps, until);
      const left = until - Date.now();
      if (left > 0) await new Promise((resolve) => setTimeout(resolve, left));
    } finally {
      await workload.stop();
      clearInterval(progress);
      restoreAll(faultDeps);
    }
    log(`faults over (${faults.length}); everything restored; waiting up to ${options.timeout} s for the targets`);

    const expected = await readSource(source);
    const targets = targetsUnderTest(pipeline, extra);
    await waitForAll(targets, expected, options.timeout * 1000, log);
    const converged: Record<string, string> = {};
    for (const target of targets)
      converged[target.name] = target.convergedAt
        ? `after ${((target.convergedAt - until) / 1000).toFixed(1)} s`
        : `NO (${target.held ?? 0}/${expected.length})`;

    const targetVerdicts = [];
    for (const target of targets) targetVerdicts.push(await judgeTarget(target.name, target.read, expected));
    const blobs = BlobServiceClient.fromConnectionString(pipeline.stack.settings.STORAGE_CONNECTION_STRING);
    const quarantine = blobs.getContainerClient(
      pipeline.settings['COSMOS_SYNC_QUARANTINE_CONTAINER'] ?? 'cosmos-sync-quarantine',
    );
    const poison = await judgePoison(quarantine, workload.poison);
    const admin = createLocalAdministrationClient(
      pipeline.stack.settings.SERVICEBUS_CONNECTION_STRING,
      pipeline.stack.settings.SERVICEBUS_ADMIN_ENDPOINT,
    );
    const deadLettered: Record<string, number> = {};
    for (const target of targets) {
      try {
        const counts = await admin.getSubscriptionRuntimeProperties('cosmos-sync-events', target.subscription);
        deadLettered[target.name] = counts.deadLetterMessageCount;
      } catch (error) {
        log(`dead-letter count of ${target.subscription}: ${messageOf(error)}`);
      }
    }
    const byEvent = new Map<string, number>();
    for (const line of hostErrors) {
      const key = String(line['event'] ?? line['message'] ?? 'error');
      byEvent.set(key, (byEvent.get(key) ?? 0) + 1);
    }
    const report: ChaosReport = {
      seed,
      seconds: options.seconds,
      keys: options.keys,
      instances: options.instances,
      writes: { ...workload.counts, poison: workload.poison.length, 'source keys': expected.length },
      faults,
      skipped: extra.skipped,
      converged,
      targets: targetVerdicts,
      poison,
      deadLettered,
      hostErrors: hostErrors.length,
      hostErrorSamples: [...byEvent]
        .sort((a, b) => b[1] - a[1])
        .slice(0, 8)
        .map(([event, count]) => `${count} x ${event}`),
      replay,
    };
    console.log(renderReport(report));
    return failures(report) === 0 ? 0 : 1;
  } finally {
    restoreAll(faultDeps);
    // Teardown is bounded: a part that does not close is named, and the run still exits with its verdict.
    await closeWithin('the pipeline', () => pipeline.close());
    await closeWithin('the relays', () => Promise.all(Object.values(relays).map((relay) => relay.close())));
    await closeWithin('the sample targets', () => extra.close());
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`chaos failed: ${messageOf(error)}`);
    process.exit(2);
  },
);
