/**
 * What the pipeline benchmark's runs share: the result of one run, the documents waiting in the source, the stack a
 * run uses, and starting a run in a process of its own (bench/pipeline-run.ts).
 *
 * Every run starts with all documents already waiting in the source (a backlog to catch up on, as after an outage or
 * a first deployment) and ends when the last one has reached the target, so start-up and batching delays count: a
 * pipeline that holds documents back to form big batches pays for it here.
 */
import type { Container } from '@azure/cosmos';
import { startLocalStack, type LocalStackSettings } from '../local-stack/stack.js';
import { benchServiceBusConfigFile } from './sessions-design/index.js';
import { startStackProcess } from './stack-process.js';
import { progress } from './support.js';
import { resultOfChild } from './child-run.js';

export type PipelineName = 'real' | 'naive' | 'floor';

export interface Run {
  pipeline: PipelineName;
  documents: number;
  /** From the pipeline's start (host started, or the naive loop started) to the last document reaching the target. */
  catchUpSeconds: number;
  /** Per document, from the start to when it reached the target. */
  lagP50Ms: number | undefined;
  lagP99Ms: number | undefined;
  /** CPU time per document of the process that runs the pipeline (host, functions and SDK clients; or the loop). */
  pipelineCpuMicros: number;
  /** CPU time per document of the local stack's process; undefined when the stack shares the pipeline's process. */
  stackCpuMicros: number | undefined;
  /** Host log lines at level error during the run (real pipeline only; any is a reason to distrust the figures). */
  errorLines: number;
  /** Runs of the metrics timer seen in the host's log (real pipeline only). */
  timerRuns: number;
  /** Set when the run was asked to switch metrics recording on or off. */
  metricsOn?: boolean;
  /** Real pipeline: instances of the app, and the subscriber design. */
  instances?: number;
  design?: 'current' | 'sessions';
  /** Real pipeline: seconds from the start until every instance ran. */
  startUpSeconds?: number;
  /** Real pipeline: documents per second from when every instance ran until the last arrival. */
  rateOnceUp?: number;
}

/** Documents per second through the whole pipeline, start-up and batching delays included. */
export const throughput = (run: Run): number => run.documents / run.catchUpSeconds;

/** A running stack: its settings, and its process id when it runs in a child process (for its CPU time). */
export interface StackHandle {
  settings: LocalStackSettings;
  pid: number | undefined;
}

export const DATABASE = 'shop';
export const SOURCE = 'orders';
export const TARGET = 'orders-copy';

export function benchDocuments(count: number): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, index) => ({
    id: `order-${index}`,
    customerId: `customer-${index % 97}`,
    type: 'order',
    revision: 1,
    lines: Array.from({ length: 3 }, (__, line) => ({ sku: `sku-${line}`, quantity: line + 1 })),
    notes: 'x'.repeat(300),
  }));
}

export async function fillSource(container: Container, docs: Record<string, unknown>[]): Promise<void> {
  for (let start = 0; start < docs.length; start += 100) {
    await Promise.all(docs.slice(start, start + 100).map((doc) => container.items.create(doc)));
    if ((start + 100) % 5_000 === 0) progress(`filling the source: ${start + 100}/${docs.length}`);
  }
}

export type Layout = 'child-process' | 'in-process';

export const LAYOUT_TITLES: Record<Layout, string> = {
  'child-process': 'local stack in a process of its own',
  'in-process': 'local stack in the pipeline process',
};

export const layoutFromEnv = (): Layout =>
  process.env['BENCH_STACK'] === 'in-process' ? 'in-process' : 'child-process';

/**
 * The stack for one run, closed after `work`. By default in a child process: in Azure, Cosmos DB and Service Bus are
 * separate services, so the servers must not share the pipeline's core (BENCH_STACK=in-process for one process).
 */
/** Every benchmark stack has a session subscription beside each target's, for the earlier design's runs. */
export async function withStack<T>(layout: Layout, work: (stack: StackHandle) => Promise<T>): Promise<T> {
  const serviceBusConfig = benchServiceBusConfigFile();
  if (layout === 'in-process') {
    const stack = await startLocalStack({ serviceBusConfig });
    try {
      return await work({ settings: stack.settings, pid: undefined });
    } finally {
      await stack.close();
    }
  }
  const stack = await startStackProcess(process.cwd(), serviceBusConfig);
  try {
    return await work({ settings: stack.settings, pid: stack.pid });
  } finally {
    await stack.close();
  }
}

/**
 * Runs one pipeline in a process of its own (bench/pipeline-run.ts): the app's function files read their settings
 * once per process, so two hosts with different settings cannot share one. The child's progress passes through.
 */
export function runInChild(args: readonly string[], layout: Layout): Promise<Run> {
  return resultOfChild<Run>('bench/pipeline-run.ts', args, { ...process.env, BENCH_STACK: layout });
}
