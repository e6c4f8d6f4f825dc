/**
 * The baseline: what a hand-written pipeline does without batching. It reads the same change feed, sends one
 * `sendMessages` per document, and a consumer receives one message at a time, upserts it into the target and
 * completes it. A document reaches the target after its upsert and complete.
 */
import { ChangeFeedStartFrom, CosmosClient, StatusCodes } from '@azure/cosmos';
import { ServiceBusClient } from '@azure/service-bus';
import { percentile } from '../dev/convergence.js';
import { localCosmosClientOptions } from '../local-stack/cosmos/index.js';
import { CpuMeter } from './cpu-meter.js';
import { benchDocuments, DATABASE, fillSource, SOURCE, TARGET, type Run, type StackHandle } from './pipeline-runs.js';
import { progress } from './support.js';

export async function runNaivePipeline(count: number, stack: StackHandle): Promise<Run> {
  const docs = benchDocuments(count);
  const { settings } = stack;
  const cosmos = new CosmosClient(
    localCosmosClientOptions({ endpoint: settings.COSMOS_ENDPOINT, key: settings.COSMOS_KEY }),
  );
  const serviceBus = new ServiceBusClient(settings.SERVICEBUS_CONNECTION_STRING);
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
    await fillSource(source, docs);
    const meter = new CpuMeter(stack.pid);
    const started = Date.now();
    progress(`naive pipeline: ${count} documents waiting in the source`);
    const sender = serviceBus.createSender('smoke-queue');
    const receiver = serviceBus.createReceiver('smoke-queue');
    const reachedAt: number[] = [];
    const consume = (async () => {
      while (reachedAt.length < count) {
        const [message] = await receiver.receiveMessages(1, { maxWaitTimeInMs: 1_000 });
        if (!message) continue;
        const doc = message.body as Record<string, unknown>;
        await target.items.upsert({ ...doc, pk: doc['customerId'] });
        await receiver.completeMessage(message);
        reachedAt.push(Date.now());
        if (reachedAt.length % 2_000 === 0) progress(`naive pipeline: ${reachedAt.length}/${count}`);
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
    const cpu = meter.read();
    const lags = reachedAt.map((at) => at - started);
    return {
      pipeline: 'naive',
      documents: count,
      catchUpSeconds: Math.max(...lags) / 1000,
      lagP50Ms: percentile(lags, 0.5),
      lagP99Ms: percentile(lags, 0.99),
      pipelineCpuMicros: (cpu.ownMs * 1000) / count,
      stackCpuMicros: cpu.stackMs === undefined ? undefined : (cpu.stackMs * 1000) / count,
      errorLines: 0,
      timerRuns: 0,
    };
  } finally {
    await serviceBus.close();
    cosmos.dispose();
  }
}
