/**
 * End-to-end local throughput and lag of the real pipeline (change feed -> publish -> Service Bus -> subscriber ->
 * Cosmos DB target, on the local host) against a naive pipeline in the same run: the same change feed, but one
 * `sendMessages` per document and one receive, write and complete per message.
 *
 * Each pipeline gets a fresh local stack in a child process (BENCH_STACK=in-process for the old one-process layout):
 * in Azure, Cosmos DB and Service Bus are separate services, so the servers must not share the benchmark's core.
 */
import { ChangeFeedStartFrom, CosmosClient, StatusCodes, type Container } from '@azure/cosmos';
import { ServiceBusClient } from '@azure/service-bus';
import { startLocalPipeline } from '../dev/pipeline.js';
import { percentile, waitForConvergence } from '../dev/convergence.js';
import type { ExpectedDocument } from '../dev/demo-workload.js';
import type { SampleOptions } from '../dev/sample-app.js';
import type { HostLogLine } from '../local-host/index.js';
import { localCosmosClientOptions } from '../local-stack/cosmos/index.js';
import { startLocalStack, type LocalStackSettings } from '../local-stack/stack.js';
import { startStackProcess } from './stack-process.js';
import { printRows, progress } from './support.js';

export type Layout = 'child-process' | 'in-process';

export const LAYOUT_TITLES: Record<Layout, string> = {
  'child-process': 'local stack in a child process, host and clients in the benchmark process',
  'in-process': 'local stack, host and clients all in one process',
};

/** Both pipelines go through this, so they always get the same layout and the ratio stays fair. */
export async function withStack<T>(layout: Layout, work: (settings: LocalStackSettings) => Promise<T>): Promise<T> {
  const stack = layout === 'child-process' ? await startStackProcess() : await startLocalStack();
  try {
    return await work(stack.settings);
  } finally {
    await stack.close();
  }
}

function documents(count: number): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, index) => ({
    id: `order-${index}`,
    customerId: `customer-${index % 97}`,
    type: 'order',
    revision: 1,
    lines: Array.from({ length: 3 }, (__, line) => ({ sku: `sku-${line}`, quantity: line + 1 })),
    notes: 'x'.repeat(300),
  }));
}

async function fill(container: Container, docs: Record<string, unknown>[]): Promise<void> {
  for (let start = 0; start < docs.length; start += 100) {
    await Promise.all(docs.slice(start, start + 100).map((doc) => container.items.create(doc)));
  }
}

function expectedOf(docs: Record<string, unknown>[], writtenAt: number): Map<string, ExpectedDocument> {
  return new Map(
    docs.map((doc) => [
      doc['id'] as string,
      {
        id: doc['id'] as string,
        customerId: doc['customerId'] as string,
        revision: 1,
        deleted: false,
        finalWriteAt: writtenAt,
      },
    ]),
  );
}

export interface Run {
  /** From the first document reaching the target to the last: the steady-state rate, without start-up. */
  seconds: number;
  /** From start (host started / naive loop started) to the last document. */
  totalSeconds: number;
  lagP50: number | undefined;
  lagP99: number | undefined;
}

function summarize(arrivals: number[], started: number): Run {
  const first = Math.min(...arrivals);
  const last = Math.max(...arrivals);
  const lags = arrivals.map((at) => at - started);
  return {
    seconds: Math.max(0.001, (last - first) / 1000),
    totalSeconds: (last - started) / 1000,
    lagP50: percentile(lags, 0.5),
    lagP99: percentile(lags, 0.99),
  };
}

export interface RealRunOptions {
  /** Changes to the sample app's settings (the metrics benchmark turns metrics on and off). */
  sample?: SampleOptions;
  /** Sees every host log line (default: dropped). */
  log?: (line: HostLogLine) => void;
}

export async function runRealPipeline(
  count: number,
  stack: LocalStackSettings,
  options: RealRunOptions = {},
): Promise<Run> {
  const docs = documents(count);
  const pipeline = await startLocalPipeline({
    externalStack: stack,
    ...(options.sample ? { sample: options.sample } : {}),
    log: options.log ?? (() => {}),
    beforeHost: async (cosmos) => fill(cosmos.database('shop').container('orders'), docs),
  });
  try {
    const started = Date.now();
    progress(`real pipeline: ${count} documents waiting in the source; host started`);
    const target = pipeline.cosmos.database('shop').container('orders-copy');
    await target.database.containers.createIfNotExists({ id: 'orders-copy', partitionKey: { paths: ['/pk'] } });
    const result = await waitForConvergence(target, expectedOf(docs, started), 600_000, (done, total) =>
      progress(`real pipeline: ${done}/${total}`),
    );
    if (!result.converged) throw new Error(`real pipeline did not converge: ${result.missing.length} missing`);
    return summarize([...result.reachedAt.values()], started);
  } finally {
    await pipeline.close();
  }
}

async function runNaivePipeline(count: number, stack: LocalStackSettings): Promise<Run> {
  const docs = documents(count);
  const cosmos = new CosmosClient(localCosmosClientOptions({ endpoint: stack.COSMOS_ENDPOINT, key: stack.COSMOS_KEY }));
  const serviceBus = new ServiceBusClient(stack.SERVICEBUS_CONNECTION_STRING);
  try {
    const { database } = await cosmos.databases.createIfNotExists({ id: 'shop' });
    const { container: source } = await database.containers.createIfNotExists({
      id: 'orders',
      partitionKey: { paths: ['/customerId'] },
    });
    const { container: target } = await database.containers.createIfNotExists({
      id: 'orders-copy',
      partitionKey: { paths: ['/pk'] },
    });
    await fill(source, docs);
    const started = Date.now();
    progress(`naive pipeline: ${count} documents waiting in the source`);
    const sender = serviceBus.createSender('smoke-queue');
    const receiver = serviceBus.createReceiver('smoke-queue');
    const reachedAt = new Map<string, number>();
    const consume = (async () => {
      while (reachedAt.size < count) {
        const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 1_000 });
        if (!message) continue;
        const doc = message.body as Record<string, unknown>;
        await target.items.upsert({ ...doc, pk: doc['customerId'] });
        await receiver.completeMessage(message);
        reachedAt.set(doc['id'] as string, Date.now());
        if (reachedAt.size % 500 === 0) progress(`naive pipeline: ${reachedAt.size}/${count}`);
      }
    })();
    const iterator = source.items.getChangeFeedIterator({
      changeFeedStartFrom: ChangeFeedStartFrom.Beginning(),
      maxItemCount: 500,
    });
    let read = 0;
    while (read < count) {
      const page = await iterator.readNext();
      if (page.statusCode === StatusCodes.NotModified) continue;
      for (const doc of page.result) await sender.sendMessages({ body: doc, contentType: 'application/json' });
      read += page.result.length;
    }
    await consume;
    return summarize([...reachedAt.values()], started);
  } finally {
    await serviceBus.close();
    cosmos.dispose();
  }
}

export const layoutFromEnv = (): Layout =>
  process.env['BENCH_STACK'] === 'in-process' ? 'in-process' : 'child-process';

/** A rate needs a window: below this, the real pipeline delivered everything in a burst or two and the ratio is noise. */
export const MIN_RATE_WINDOW_SECONDS = 1;

export async function benchPipeline(
  count = Number(process.env['BENCH_PIPELINE_DOCS'] ?? 10_000),
  layout: Layout = layoutFromEnv(),
): Promise<{ ratio: number }> {
  if (!Number.isInteger(count) || count < 1) throw new RangeError('BENCH_PIPELINE_DOCS: expected a positive integer');
  const naive = await withStack(layout, (stack) => runNaivePipeline(count, stack));
  const real = await withStack(layout, (stack) => runRealPipeline(count, stack));
  const ratio = naive.seconds / real.seconds;
  const ms = (value: number | undefined) => (value === undefined ? 'n/a' : Math.round(value));
  printRows(
    `End-to-end local pipeline, ${count} documents waiting in the source, ${LAYOUT_TITLES[layout]} (docs/s from first to last arrival; total and lag from start)`,
    [
      {
        pipeline: 'cosmos-sync (batched publish, sessions, coalescing, version guard)',
        'docs/s': count / real.seconds,
        'total s': real.totalSeconds,
        'lag p50 ms': ms(real.lagP50),
        'lag p99 ms': ms(real.lagP99),
        'x naive': ratio,
        'x naive total': naive.totalSeconds / real.totalSeconds,
      },
      {
        pipeline: 'naive (one send per document, one write per message)',
        'docs/s': count / naive.seconds,
        'total s': naive.totalSeconds,
        'lag p50 ms': ms(naive.lagP50),
        'lag p99 ms': ms(naive.lagP99),
        'x naive': 1,
        'x naive total': 1,
      },
    ],
  );
  if (real.seconds < MIN_RATE_WINDOW_SECONDS) {
    console.log(
      `target: no verdict: the real pipeline delivered all ${count} documents within ${real.seconds.toFixed(2)} s, ` +
        `too short a window for a rate; run with more documents (BENCH_PIPELINE_DOCS=30000 npm run bench -- pipeline)`,
    );
    return { ratio };
  }
  console.log(`target: at least 10x the naive baseline -> ${ratio >= 10 ? 'met' : 'NOT met'} (${ratio.toFixed(1)}x)`);
  return { ratio };
}
