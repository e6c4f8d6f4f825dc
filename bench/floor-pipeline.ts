/**
 * The floor: the SDK calls any batched pipeline on this stack has to make, and nothing else. It reads the same
 * change feed in pages of 500, sends each document as one message in `createMessageBatch` batches to the same topic
 * (same five subscriptions), and one receiver takes up to 500 messages at a time from the Cosmos target's
 * subscription, creates their documents with one bulk call per 100 and completes each message. It receives the way
 * one instance's batch trigger does: one receive loop (the local host's Inbox on the SDK's streaming receiver), so
 * the difference from the real pipeline on one instance is the app and the host's invocation, not how messages are
 * received. No envelope, validation, coalescing, version guard, state or logging.
 *
 * What it costs per document is what the SDKs and the local stack cost; the real pipeline cannot use less, so its
 * throughput against the naive loop is bounded by the floor's.
 */
import type { OperationInput } from '@azure/cosmos';
import { ServiceBusClient, type ServiceBusReceivedMessage, type ServiceBusReceiver } from '@azure/service-bus';
import { Inbox } from '../local-host/servicebus/inbox.js';
import { sessionIdFor } from '../shared/events/ids.js';
import { CpuMeter } from './cpu-meter.js';
import type { Run, StackHandle } from './pipeline-runs.js';
import { forEachChangeFeedPage, prepareStores, runFromArrivals } from './sdk-loop.js';
import { progress } from './support.js';

const TOPIC = 'cosmos-sync-events';
const SUBSCRIPTION = 'cosmos-target';
const SESSION_BUCKETS = 16;
const RECEIVE_BATCH = 500;
const BULK_CHUNK = 100;
/** How long a receive waits for a first message before asking again. */
const RECEIVE_WAIT_MS = 1_000;

export async function runFloorPipeline(count: number, stack: StackHandle): Promise<Run> {
  const { cosmos, source, target } = await prepareStores(stack, count);
  const serviceBus = new ServiceBusClient(stack.settings.SERVICEBUS_CONNECTION_STRING);
  try {
    const meter = new CpuMeter(stack.pid);
    const started = Date.now();
    progress(`floor pipeline: ${count} documents waiting in the source`);
    const reachedAt: number[] = [];
    // The workers stop on their own once every document arrived; nothing aborts a receive.
    const neverAborted = new AbortController().signal;

    const apply = async (receiver: ServiceBusReceiver, messages: ServiceBusReceivedMessage[]) => {
      const operations: OperationInput[] = messages.map((message) => {
        // The SDK has parsed the JSON body already (its default).
        const doc = message.body as Record<string, unknown>;
        return { operationType: 'Create', resourceBody: { ...doc, pk: doc['customerId'] } } as OperationInput;
      });
      const chunks: Promise<unknown>[] = [];
      for (let start = 0; start < operations.length; start += BULK_CHUNK) {
        chunks.push(
          target.items.bulk(
            operations.slice(start, start + BULK_CHUNK),
            { continueOnError: true },
            { contentResponseOnWriteEnabled: false },
          ),
        );
      }
      await Promise.all(chunks);
      await Promise.all(messages.map((message) => receiver.completeMessage(message)));
      const now = Date.now();
      for (let index = 0; index < messages.length; index++) reachedAt.push(now);
    };

    const receiveLoop = async (): Promise<void> => {
      const receiver = serviceBus.createReceiver(TOPIC, SUBSCRIPTION, { maxAutoLockRenewalDurationInMs: 0 });
      const inbox = new Inbox(receiver, RECEIVE_BATCH);
      try {
        while (reachedAt.length < count) {
          const messages = await inbox.receive(RECEIVE_BATCH, RECEIVE_WAIT_MS, neverAborted);
          if (messages.length > 0) await apply(receiver, messages);
        }
      } finally {
        await inbox.close();
        await receiver.close();
      }
    };
    const receivers = receiveLoop();

    const sender = serviceBus.createSender(TOPIC);
    await forEachChangeFeedPage(source, count, RECEIVE_BATCH, async (documents) => {
      let batch = await sender.createMessageBatch();
      for (const doc of documents) {
        const message = {
          body: Buffer.from(JSON.stringify(doc), 'utf8'),
          contentType: 'application/json',
          messageId: `${String(doc['id'])}:${String(doc['_lsn'])}`,
          sessionId: sessionIdFor(doc['customerId'] as string, SESSION_BUCKETS),
        };
        if (batch.tryAddMessage(message)) continue;
        await sender.sendMessages(batch);
        batch = await sender.createMessageBatch();
        if (!batch.tryAddMessage(message)) throw new Error('a document does not fit an empty message batch');
      }
      if (batch.count > 0) await sender.sendMessages(batch);
    });
    await receivers;
    return runFromArrivals('floor', count, reachedAt, started, meter);
  } finally {
    await serviceBus.close();
    cosmos.dispose();
  }
}
