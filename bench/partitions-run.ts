/**
 * One run of the partitions benchmark, in a process of its own with a fresh local stack (in a child process) whose
 * source container has 8 feed ranges: the app's publish function alone, as N instances, catching up on a backlog.
 *
 * Usage: tsx bench/partitions-run.ts <documents> --instances N
 * Progress goes to stderr; the last stdout line is `result=<json>` (a PartitionsRun).
 *
 * Every instance runs in a process of its own (this process only fills the source, watches and meters). The rate
 * counts what the instances publish once the 8 leases are shared equally (2 each with 4 instances): the first instance
 * up holds every lease until the others steal their share, and that start-up is not what is measured.
 * A document is published when the publish function logs `batch.published` for the batch that sent it to the topic.
 */
import { fileURLToPath } from 'node:url';
import { CosmosClient, type Container } from '@azure/cosmos';
import { ensureSourceContainer } from '../dev/pipeline.js';
import { readHostJson, sampleAppSettings } from '../dev/sample-app.js';
import type { HostLogLine } from '../local-host/index.js';
import { startInstances, type LocalInstances } from '../local-host/instances.js';
import { localCosmosClientOptions } from '../local-stack/cosmos/index.js';
import { functionLogData } from '../local-host/log.js';
import type { LeaseDocument } from '../shared/leases/lease-documents.js';
import { Arrivals } from './arrivals.js';
import { CpuMeter } from './cpu-meter.js';
import { machineCpu } from './machine-cpu.js';
import { publishOnlyServiceBusConfigFile } from './partitions-broker.js';
import { benchDocuments, DATABASE, fillSource, SOURCE } from './pipeline-runs.js';
import { startStackProcess } from './stack-process.js';
import { progress } from './support.js';
import { printResult } from './child-run.js';

export const RANGES = 8;

export interface PartitionsRun {
  instances: number;
  documents: number;
  /** Documents published once the leases were shared equally, and over how long. */
  measuredDocuments: number;
  measuredSeconds: number;
  docsPerSecond: number;
  /** Seconds from the host's start until the leases were shared equally. */
  balancedAfterSeconds: number;
  /** CPU of every app instance (cores busy on average over the measured time), and of the stack's process. */
  appCores: number;
  stackCores: number | undefined;
  /** Share of the whole machine's CPU time that was busy (every process, neighbours included); undefined off Linux. */
  machineBusy: number | undefined;
  /** CPU time per published document, app instances and stack. */
  appCpuMicros: number;
  stackCpuMicros: number | undefined;
  invocations: number;
  itemsPerInvocation: number;
  /** Mean duration of one publish invocation (the handler, from the host's log). */
  invocationMs: number;
  /** Mean time one lease takes for a read, an invocation and a checkpoint (each lease runs one at a time). */
  leaseCycleMs: number;
  errorLines: number;
}

const TIMEOUT_MS = 600_000;

/** `work`, or an error saying what was missing once `ms` have passed (a stalled run must end, not hang the suite). */
async function withDeadline(work: Promise<void>, ms: number, describe: () => string): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`partitions: after ${ms / 1000} s, ${describe()}`)), ms);
  });
  try {
    await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

const file = (path: string): string => fileURLToPath(new URL(path, import.meta.url));
const FILES = [file('./partitions-publish-function.ts'), file('../functions/app-lifecycle.ts')];

/** Owner -> lease count of the source's leases, or undefined until every lease is owned and the shares are equal. */
async function balancedShares(leases: Container, instances: number): Promise<Map<string, number> | undefined> {
  const { resources } = await leases.items.query<LeaseDocument>('SELECT * FROM c').fetchAll();
  const counts = new Map<string, number>();
  for (const lease of resources.filter((candidate) => candidate.id.includes('..'))) {
    counts.set(lease.Owner ?? '', (counts.get(lease.Owner ?? '') ?? 0) + 1);
  }
  const values = [...counts.values()];
  const equal = values.every((value) => value === RANGES / instances);
  return !counts.has('') && counts.size === instances && equal ? counts : undefined;
}

export async function runPartitions(count: number, instances: number): Promise<PartitionsRun> {
  const stack = await startStackProcess(process.cwd(), publishOnlyServiceBusConfigFile(), [
    '--cosmos-partitions',
    String(RANGES),
  ]);
  const published = new Arrivals();
  let errorLines = 0;
  let invocations = 0;
  let invocationMs = 0;
  let allPublished: () => void = () => {};
  const done = new Promise<void>((resolve) => (allPublished = resolve));
  const log = (line: HostLogLine): void => {
    if (line['level'] === 'error') {
      errorLines += 1;
      process.stderr.write(`[bench] host error: ${JSON.stringify(line).slice(0, 2_000)}\n`);
    }
    if (line['event'] === 'invocation.succeeded' && typeof line['durationMs'] === 'number') {
      invocations += 1;
      invocationMs += line['durationMs'];
    }
    const data = functionLogData(line);
    if (data?.['event'] === 'batch.published' && typeof data['published'] === 'number') {
      published.add(Date.now(), data['published']);
      if (published.count >= count) allPublished();
    }
  };
  const cosmos = new CosmosClient(
    localCosmosClientOptions({ endpoint: stack.settings.COSMOS_ENDPOINT, key: stack.settings.COSMOS_KEY }),
  );
  let instancesRunning: LocalInstances | undefined;
  try {
    const settings = sampleAppSettings(stack.settings, { metricsEnabled: false });
    await ensureSourceContainer(cosmos, settings);
    await fillSource(cosmos.database(DATABASE).container(SOURCE), benchDocuments(count));
    // Every instance in a process of its own, started together, so that none is ahead by an in-process start.
    instancesRunning = await startInstances(instances, {
      files: FILES,
      settings,
      hostJson: readHostJson(),
      httpPort: 0,
      log,
    });
    const started = Date.now();
    const leases = cosmos.database(DATABASE).container('leases');
    progress(`partitions: ${count} documents waiting; ${instances} instance(s) started; waiting for equal shares`);
    while ((await balancedShares(leases, instances)) === undefined) {
      if (published.count >= count) throw new Error('the backlog ran out before the leases were shared equally');
      await new Promise((resolve) => setTimeout(resolve, 100)); // poll: the lease documents
    }
    const balancedAt = Date.now();
    const meter = new CpuMeter(stack.pid);
    const machine = machineCpu();
    meter.addProcesses(instancesRunning.instances.map((instance) => instance.pid));
    const invocationsBefore = { count: invocations, ms: invocationMs };
    progress(`partitions: balanced after ${(balancedAt - started) / 1000} s, ${published.count} published before`);
    await withDeadline(done, TIMEOUT_MS, () => `only ${published.count}/${count} documents were published`);
    const cpu = meter.read();
    const machineBusy = machine.busyShare();
    // The meter counts this process as well: it only polls and reads the instances' logs, so it is left in.
    const measured = published.after(balancedAt);
    const seconds = (published.last - balancedAt) / 1000;
    const measuredInvocations = invocations - invocationsBefore.count;
    return {
      instances,
      documents: count,
      measuredDocuments: measured.documents,
      measuredSeconds: seconds,
      docsPerSecond: measured.perSecond ?? 0,
      balancedAfterSeconds: (balancedAt - started) / 1000,
      appCores: cpu.ownMs / 1000 / seconds,
      stackCores: cpu.stackMs === undefined ? undefined : cpu.stackMs / 1000 / seconds,
      appCpuMicros: (cpu.ownMs * 1000) / Math.max(1, measured.documents),
      stackCpuMicros: cpu.stackMs === undefined ? undefined : (cpu.stackMs * 1000) / Math.max(1, measured.documents),
      invocations: measuredInvocations,
      itemsPerInvocation: measured.documents / Math.max(1, measuredInvocations),
      invocationMs: (invocationMs - invocationsBefore.ms) / Math.max(1, measuredInvocations),
      // The 8 leases run side by side, each one cycle at a time: a lease's cycles fill the measured time.
      leaseCycleMs: (seconds * 1000 * RANGES) / Math.max(1, measuredInvocations),
      machineBusy,
      errorLines,
    };
  } finally {
    await instancesRunning?.close();
    cosmos.dispose();
    await stack.close();
  }
}

async function main(): Promise<void> {
  const [countText, flag, instancesText] = process.argv.slice(2);
  const count = Number(countText);
  const instances = Number(instancesText);
  if (!Number.isInteger(count) || count < 1000) {
    throw new RangeError(`documents: expected an integer >= 1000, got ${JSON.stringify(countText)}`);
  }
  if (flag !== '--instances' || ![1, 2, 4, 8].includes(instances)) {
    throw new RangeError(`expected --instances 1, 2, 4 or 8 (a divisor of ${RANGES}), got ${flag} ${instancesText}`);
  }
  printResult(await runPartitions(count, instances));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().catch((error: unknown) => {
    console.error('partitions benchmark run failed:', error);
    process.exit(1);
  });
}
