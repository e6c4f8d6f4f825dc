/**
 * What the two pipelines without the app (the naive loop and the floor) share: their own Cosmos DB client, the
 * source filled with the benchmark's documents and an empty target, reading the source's change feed from the
 * beginning, and a Run made from per-document arrival times.
 */
import { ChangeFeedStartFrom, CosmosClient, StatusCodes, type Container } from '@azure/cosmos';
import { percentile } from '../dev/convergence.js';
import { localCosmosClientOptions } from '../local-stack/cosmos/index.js';
import type { CpuMeter } from './cpu-meter.js';
import {
  benchDocuments,
  DATABASE,
  fillSource,
  SOURCE,
  TARGET,
  type PipelineName,
  type Run,
  type StackHandle,
} from './pipeline-runs.js';

export interface LoopStores {
  cosmos: CosmosClient;
  source: Container;
  target: Container;
}

/** Creates the containers and fills the source; the caller disposes of `cosmos`. */
export async function prepareStores(stack: StackHandle, count: number): Promise<LoopStores> {
  const { settings } = stack;
  const cosmos = new CosmosClient(
    localCosmosClientOptions({ endpoint: settings.COSMOS_ENDPOINT, key: settings.COSMOS_KEY }),
  );
  try {
    const { database } = await cosmos.databases.createIfNotExists({ id: DATABASE });
    const { container: source } = await database.containers.createIfNotExists({
      id: SOURCE,
      partitionKey: { paths: ['/customerId'] },
    });
    const { container: target } = await database.containers.createIfNotExists({
      id: TARGET,
      partitionKey: { paths: ['/pk'] },
    });
    await fillSource(source, benchDocuments(count));
    return { cosmos, source, target };
  } catch (error) {
    cosmos.dispose();
    throw error;
  }
}

/** The run's figures from when each of `count` documents arrived (ms since epoch) and the CPU since `started`. */
export function runFromArrivals(
  pipeline: PipelineName,
  count: number,
  reachedAt: readonly number[],
  started: number,
  meter: CpuMeter,
): Run {
  const cpu = meter.read();
  const lags = reachedAt.map((at) => at - started);
  return {
    pipeline,
    documents: count,
    catchUpSeconds: Math.max(...lags) / 1000,
    lagP50Ms: percentile(lags, 0.5),
    lagP99Ms: percentile(lags, 0.99),
    pipelineCpuMicros: (cpu.ownMs * 1000) / count,
    stackCpuMicros: cpu.stackMs === undefined ? undefined : (cpu.stackMs * 1000) / count,
    errorLines: 0,
    timerRuns: 0,
  };
}

/** Reads the source's change feed from the beginning in pages of `pageSize`, handing each page on, until `count`. */
export async function forEachChangeFeedPage(
  source: Container,
  count: number,
  pageSize: number,
  handle: (documents: Record<string, unknown>[]) => Promise<void>,
): Promise<void> {
  const iterator = source.items.getChangeFeedIterator<Record<string, unknown>>({
    changeFeedStartFrom: ChangeFeedStartFrom.Beginning(),
    maxItemCount: pageSize,
  });
  let read = 0;
  while (read < count) {
    const page = await iterator.readNext();
    if (page.statusCode === StatusCodes.NotModified) continue;
    await handle(page.result);
    read += page.result.length;
  }
}
