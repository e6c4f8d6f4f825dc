/**
 * One run of the real pipeline on a running stack: the local host runs the app (publish function, Service Bus topic,
 * subscriber, Cosmos DB target) until every document waiting in the source has reached the target.
 *
 * A document reaches the target when the subscriber logs `batch.settled` for the batch that applied it, after the
 * batch's bulk write and settlement (the naive loop's documents arrive after their upsert and complete, so both are
 * timed at the same step). Counting from the logs instead of watching the target keeps the watching out of the
 * measured CPU; afterwards the target is read back once, outside the measured time, to prove every document is there.
 */
import type { Container } from '@azure/cosmos';
import { startLocalPipeline } from '../dev/pipeline.js';
import { waitForConvergence } from '../dev/convergence.js';
import type { ExpectedDocument } from '../dev/demo-workload.js';
import type { SampleOptions } from '../dev/sample-app.js';
import type { HostLogLine } from '../local-host/index.js';
import { functionLogData } from '../local-host/log.js';
import { Arrivals } from './arrivals.js';
import { CpuMeter } from './cpu-meter.js';
import { benchDocuments, DATABASE, fillSource, SOURCE, TARGET, type Run, type StackHandle } from './pipeline-runs.js';
import { SESSIONS_DESIGN_FILES, sessionsDesignHostJson, type Design } from './sessions-design/index.js';
import { describeSubscriptions, InFlightInvocations } from './stall-report.js';
import { progress } from './support.js';

/** The sample app's Cosmos DB target, whose `batch.settled` lines count arrivals. */
const TARGET_NAME = 'orders-copy';
const TIMEOUT_MS = 600_000;

export interface RealRunOptions {
  /** Changes to the sample app's settings (the metrics benchmark turns metrics on and off). */
  sample?: SampleOptions;
  /** Instances of the app; the ones after the first run in processes of their own. Default 1. */
  instances?: number;
  /** The subscriber design: the current one, or the earlier one with sessions (bench/sessions-design). */
  design?: Design;
}

export async function runRealPipeline(count: number, stack: StackHandle, options: RealRunOptions = {}): Promise<Run> {
  const docs = benchDocuments(count);
  const arrivals = new Arrivals();
  let errorLines = 0;
  let timerRuns = 0;
  let allArrived: () => void = () => {};
  const done = new Promise<void>((resolve) => (allArrived = resolve));
  const inFlight = new InFlightInvocations();
  const log = (line: HostLogLine): void => {
    inFlight.observe(line);
    if (line['level'] === 'error') {
      errorLines++;
      // An error makes the figures suspect; show it so its cause can be looked into.
      process.stderr.write(`[bench] host error: ${JSON.stringify(line).slice(0, 2_000)}\n`);
    }
    const data = functionLogData(line);
    if (data?.['event'] === 'metrics.recorded') timerRuns++;
    if (data?.['event'] === 'batch.settled' && data['target'] === TARGET_NAME && typeof data['applied'] === 'number') {
      arrivals.add(Date.now(), data['applied']);
      if (arrivals.count >= count) allArrived();
    }
  };
  const design = options.design ?? 'current';
  // The clock starts once the source is filled, before any instance starts: catch-up counts start-up. CPU is metered
  // once every instance runs (a process's start-up, tsx compiling the app, is not the pipeline's work), per document
  // that arrived from then on.
  let started = 0;
  const pipeline = await startLocalPipeline({
    externalStack: stack.settings,
    ...(options.sample ? { sample: options.sample } : {}),
    instances: options.instances ?? 1,
    ...(design === 'sessions' ? { files: SESSIONS_DESIGN_FILES, hostJson: sessionsDesignHostJson() } : {}),
    log,
    beforeHost: async (cosmos) => {
      await fillSource(cosmos.database(DATABASE).container(SOURCE), docs);
      started = Date.now();
    },
  });
  try {
    const allUp = Date.now();
    const meter = new CpuMeter(stack.pid);
    meter.addProcesses((pipeline.extraInstances?.instances ?? []).map((instance) => instance.pid));
    progress(`real pipeline: ${count} documents waiting in the source; ${options.instances ?? 1} instance(s) started`);
    const reporter = setInterval(() => progress(`real pipeline: ${arrivals.count}/${count}`), 2_000);
    try {
      await withTimeout(done, TIMEOUT_MS);
    } catch (error) {
      // A stall is rare and does not repeat on demand: say what the host and the broker were doing when it was seen.
      const state = `${inFlight.describe()}; ${await describeSubscriptions(stack.settings)}`;
      throw new Error(`real pipeline: only ${arrivals.count}/${count} documents arrived (${state})`, { cause: error });
    } finally {
      clearInterval(reporter);
    }
    const cpu = meter.read();
    const afterAllUp = arrivals.after(allUp);
    await checkTarget(pipeline.cosmos.database(DATABASE).container(TARGET), docs);
    return {
      pipeline: 'real',
      documents: count,
      catchUpSeconds: (arrivals.last - started) / 1000,
      lagP50Ms: arrivals.lag(0.5, started),
      lagP99Ms: arrivals.lag(0.99, started),
      pipelineCpuMicros: (cpu.ownMs * 1000) / Math.max(1, afterAllUp.documents),
      stackCpuMicros: cpu.stackMs === undefined ? undefined : (cpu.stackMs * 1000) / Math.max(1, afterAllUp.documents),
      errorLines,
      timerRuns,
      instances: options.instances ?? 1,
      design,
      startUpSeconds: (allUp - started) / 1000,
      ...(afterAllUp.perSecond !== undefined ? { rateOnceUp: afterAllUp.perSecond } : {}),
      ...(options.sample?.metricsEnabled === undefined ? {} : { metricsOn: options.sample.metricsEnabled }),
    };
  } finally {
    await pipeline.close();
  }
}

/** Every document is in the target at its revision: the arrivals counted from the logs were real. */
async function checkTarget(target: Container, docs: Record<string, unknown>[]): Promise<void> {
  const expected = new Map<string, ExpectedDocument>(
    docs.map((doc) => {
      const id = doc['id'] as string;
      return [id, { id, customerId: doc['customerId'] as string, revision: 1, deleted: false, finalWriteAt: 0 }];
    }),
  );
  const result = await waitForConvergence(target, expected, 60_000, () => {});
  if (!result.converged) {
    throw new Error(
      `real pipeline: the subscriber reported every document applied, but ${result.missing.length} are not in ` +
        `the target at their revision (first: ${result.missing.slice(0, 3).join(', ')})`,
    );
  }
}

async function withTimeout(work: Promise<void>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms / 1000} s`)), ms);
  });
  try {
    await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
