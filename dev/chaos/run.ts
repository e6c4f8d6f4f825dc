/**
 * `npm run chaos`: the fault storm. Runs the local pipeline with every reachable target on two or more instances,
 * writes a seeded workload (creates, updates, soft and hard deletes, re-creates, 1% poison documents, 1% poison
 * messages) while seeded faults hit it (instances killed or restarted, Service Bus / PostgreSQL / Redis cut or slowed
 * through relays, the webhook receiver down, hanging or slow) and a duplicator sends copies of delivered messages back
 * late. Then it restores everything, waits for the targets to settle and compares each one with the source key by
 * key. Exits 0 only when nothing is missing, stale, resurrected or extra, every poison document was quarantined,
 * every poison message is a poison record or dead-lettered on every target, and no event was dead-lettered. The seed
 * is printed so a failure can be replayed (docs/chaos.md says how far a replay goes).
 */
import { createWriteStream } from 'node:fs';
import { ServiceBusClient } from '@azure/service-bus';
import { BlobServiceClient } from '@azure/storage-blob';
import { Command, InvalidArgumentError, Option } from 'commander';
import type { HostLogLine } from '../../local-host/index.js';
import { messageOf } from '../../shared/errors.js';
import { startLocalPipeline, type LocalPipeline } from '../pipeline.js';
import { prepareSampleTargets } from '../sample-targets.js';
import { waitForAll } from '../target-convergence.js';
import { DEMO_SOURCE } from '../target-readers.js';
import { targetsUnderTest } from '../targets-under-test.js';
import { restoreAll, type FaultDeps } from './faults.js';
import { judgeMessages, poisonTableClient } from './message-verdict.js';
import { streamOf } from './random.js';
import { failures, renderReport, type ChaosReport } from './report.js';
import { runStorm } from './storm.js';
import { startRelay, type CuttableRelay } from './tcp-proxy.js';
import { judgePoison, judgeTarget, readSource } from './verdict.js';

const log = (message: string) => console.error(`[chaos ${new Date().toISOString().slice(11, 19)}] ${message}`);

/** The Blob target's own storage connection setting, relayed. */
const BLOB_TARGET_SETTING = 'ChaosBlobTarget';

/** The sample sources in `mode`; all-versions mode can only start from now (the run writes after the start). */
function withMode(sources: string | undefined, mode: string): string {
  const parsed = JSON.parse(sources ?? '[]') as Record<string, unknown>[];
  return JSON.stringify(
    parsed.map((source) =>
      mode === 'AllVersionsAndDeletes' ? { ...source, changeFeedMode: mode, startFrom: 'now' } : source,
    ),
  );
}

/** A settlement the host could not make because the message's (or its session's) lock was gone. */
function isLockLost(line: HostLogLine): boolean {
  if (typeof line['event'] !== 'string' || !line['event'].startsWith('servicebus.')) return false;
  const code = (line['error'] as { code?: unknown } | undefined)?.code;
  return code === 'MessageLockLost' || code === 'SessionLockLost';
}

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
    .option('--seconds <n>', 'how long the workload and the faults run', whole(1), 240)
    .option('--seed <n>', 'seed of the workload and fault schedule (default: random, printed)', whole(0))
    .option('--keys <n>', 'documents the workload writes over', whole(1), 300)
    .option('--instances <n>', 'instances of the app (all but one in processes of their own)', whole(1), 2)
    .option('--timeout <seconds>', 'how long to wait for convergence after the faults', whole(1), 300)
    .addOption(
      new Option('--mode <mode>', 'change feed mode of the source')
        .choices(['AllVersionsAndDeletes', 'LatestVersion'])
        .default('AllVersionsAndDeletes'),
    )
    .option('--host-log <file>', 'write every host log line (all instances) to this file as JSON lines')
    .parse(process.argv)
    .opts<{
      seconds: number;
      seed?: number;
      keys: number;
      instances: number;
      timeout: number;
      hostLog?: string;
      mode: 'AllVersionsAndDeletes' | 'LatestVersion';
    }>();
  const seed = options.seed ?? Math.floor(Math.random() * 1_000_000);
  const replay = `npm run chaos -- --seed ${seed} --seconds ${options.seconds} --keys ${options.keys} --instances ${options.instances} --mode ${options.mode}`;
  log(`seed ${seed} (replay: ${replay})`);

  const extra = await prepareSampleTargets();
  for (const reason of extra.skipped) log(`skipping a target: ${reason}`);
  const relays: Record<string, CuttableRelay> = {};
  const hostLog = options.hostLog ? createWriteStream(options.hostLog) : undefined;
  const hostErrors: HostLogLine[] = [];
  let locksLost = 0;
  let pipeline: LocalPipeline;
  try {
    pipeline = await startLocalPipeline({
      instances: options.instances,
      log: (line) => {
        hostLog?.write(`${JSON.stringify(line)}\n`);
        if (line['level'] === 'error') hostErrors.push(line);
        if (isLockLost(line)) locksLost += 1;
      },
      adjustSettings: async (settings) => {
        const adjusted: Record<string, string> = {
          ...settings,
          ...extra.settings,
          COSMOS_SYNC_SOURCES: withMode(settings['COSMOS_SYNC_SOURCES'], options.mode),
          COSMOS_SYNC_TARGETS: JSON.stringify([
            ...(JSON.parse(settings['COSMOS_SYNC_TARGETS'] ?? '[]') as unknown[]),
            ...extra.targets.map((target) =>
              target['type'] === 'blob' ? { ...target, connection: BLOB_TARGET_SETTING } : target,
            ),
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
        await route('Cosmos DB target', 'CosmosTarget', 8081);
        await route('PostgreSQL', 'PostgresTarget', 5432);
        await route('Redis', 'RedisTarget', 6379);
        // The Blob target gets a storage connection of its own whose blob endpoint is relayed: cutting the app's
        // AzureWebJobsStorage would cut its state, poison and claim stores too, which is another fault.
        const storage = adjusted['AzureWebJobsStorage'] ?? '';
        const blobEndpoint = /BlobEndpoint=https?:\/\/[^/;:]+:(\d+)/i.exec(storage);
        if (!blobEndpoint) throw new Error('AzureWebJobsStorage names no BlobEndpoint with a port to relay');
        const port = Number(blobEndpoint[1]);
        const relay = await startRelay(port);
        relays['Blob storage'] = relay;
        adjusted[BLOB_TARGET_SETTING] = storage.replace(
          blobEndpoint[0],
          blobEndpoint[0].replace(`:${port}`, `:${relay.port}`),
        );
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
    random: streamOf(seed, 'faults'),
    instances: pipeline.extraInstances,
    relays,
    webhook: extra.webhook,
    log,
    longestMs: Math.min(90_000, Math.round((options.seconds * 1000) / 2.5)),
  };
  // The run's own clients talk to the broker directly, not through the relay the faults cut.
  const serviceBus = new ServiceBusClient(pipeline.stack.settings.SERVICEBUS_CONNECTION_STRING);
  try {
    const source = pipeline.cosmos.database('shop').container('orders');
    const copy = pipeline.cosmos.database('shop');
    await copy.containers.createIfNotExists({ id: 'orders-copy', partitionKey: { paths: ['/pk'] } });
    const targets = targetsUnderTest(pipeline, extra);
    const topic = pipeline.settings['COSMOS_SYNC_TOPIC'] ?? 'cosmos-sync-events';
    const storm = await runStorm({
      seed,
      mode: options.mode,
      seconds: options.seconds,
      keys: options.keys,
      source,
      sourceName: DEMO_SOURCE.name,
      serviceBus,
      topic,
      subscriptions: targets.map((target) => target.subscription),
      faults: faultDeps,
      hostErrors: () => hostErrors.length,
      log,
    });
    log(
      `faults over (${storm.faults.length}); everything restored; waiting up to ${options.timeout} s for the targets`,
    );

    const expected = await readSource(source, storm.workload.keys, options.mode);
    await waitForAll(targets, expected, options.timeout * 1000, log);
    const converged: Record<string, string> = {};
    for (const target of targets)
      converged[target.name] = target.convergedAt
        ? `after ${((target.convergedAt - storm.endedAt) / 1000).toFixed(1)} s`
        : `NO (${target.held ?? 0}/${expected.length})`;

    const targetVerdicts = [];
    for (const target of targets) targetVerdicts.push(await judgeTarget(target.name, target.read, expected));
    const storage = pipeline.stack.settings.STORAGE_CONNECTION_STRING;
    const quarantine = BlobServiceClient.fromConnectionString(storage).getContainerClient(
      pipeline.settings['COSMOS_SYNC_QUARANTINE_CONTAINER'] ?? 'cosmos-sync-quarantine',
    );
    const poison = await judgePoison(quarantine, storm.workload.poison);
    const stores = {
      serviceBus,
      topic,
      poisonTable: poisonTableClient(storage, pipeline.settings['COSMOS_SYNC_POISON_TABLE'] ?? 'cosmossyncpoison'),
      quarantine,
    };
    const messages = [];
    for (const target of targets) messages.push(await judgeMessages(stores, target, storm.workload.poisonMessages));
    const byEvent = new Map<string, number>();
    for (const line of hostErrors) {
      const key = String(line['event'] ?? line['message'] ?? 'error');
      byEvent.set(key, (byEvent.get(key) ?? 0) + 1);
    }
    const duplicates: Record<string, number> = {};
    for (const target of targets) duplicates[target.name] = storm.duplicates[target.subscription] ?? 0;
    const report: ChaosReport = {
      seed,
      seconds: options.seconds,
      keys: options.keys,
      instances: options.instances,
      mode: options.mode,
      writes: {
        creates: storm.workload.counts.creates,
        updates: storm.workload.counts.updates,
        'soft deletes': storm.workload.counts.deletes,
        'hard deletes': storm.workload.counts.hardDeletes,
        're-creates': storm.workload.counts.recreates,
        'failed writes': storm.workload.counts.failed,
        'poison documents': storm.workload.poison.length,
        'poison messages': storm.workload.poisonMessages.length,
        'source keys': expected.length,
      },
      faults: storm.faults,
      duplicates,
      skipped: extra.skipped,
      converged,
      targets: targetVerdicts,
      poison,
      messages,
      locksLost,
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
    await closeWithin("the run's Service Bus client", () => serviceBus.close());
    // Teardown is bounded: a part that does not close is named, and the run still exits with its verdict.
    await closeWithin('the pipeline', () => pipeline.close());
    await closeWithin('the relays', () => Promise.all(Object.values(relays).map((relay) => relay.close())));
    await closeWithin('the sample targets', () => extra.close());
    hostLog?.end();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`chaos failed: ${messageOf(error)}`);
    process.exit(2);
  },
);
