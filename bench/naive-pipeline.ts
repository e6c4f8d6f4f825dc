/**
 * The baseline: what a hand-written pipeline does without batching. It reads the same change feed, sends one
 * `sendMessages` per document, and a consumer receives one message at a time, upserts it into the target and
 * completes it. A document reaches the target after its upsert and complete.
 */
import { ServiceBusClient } from '@azure/service-bus';
import { CpuMeter } from './cpu-meter.js';
import type { Run, StackHandle } from './pipeline-runs.js';
import { forEachChangeFeedPage, prepareStores, runFromArrivals } from './sdk-loop.js';
import { progress } from './support.js';

export async function runNaivePipeline(count: number, stack: StackHandle): Promise<Run> {
  const { cosmos, source, target } = await prepareStores(stack, count);
  const serviceBus = new ServiceBusClient(stack.settings.SERVICEBUS_CONNECTION_STRING);
  try {
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
    await forEachChangeFeedPage(source, count, 500, async (documents) => {
      for (const doc of documents) await sender.sendMessages({ body: doc, contentType: 'application/json' });
    });
    await consume;
    return runFromArrivals('naive', count, reachedAt, started, meter);
  } finally {
    await serviceBus.close();
    cosmos.dispose();
  }
}
