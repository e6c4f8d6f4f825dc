/**
 * The two things `deadletters` does to a dead letter. Replay: send it again to the target's subscription only, then
 * settle it (complete the queue's message, delete the poison record): never the other way round, so an item is never
 * gone without its replay having been accepted by Service Bus. Purge: settle it without sending.
 */
import type {
  ServiceBusMessage,
  ServiceBusReceivedMessage,
  ServiceBusReceiver,
  ServiceBusSender,
} from '@azure/service-bus';
import { messageOf } from '../../shared/errors.js';
import { mapBounded } from '../../shared/map-bounded.js';
import type { StoredPoisonRecord } from '../../shared/poison/reader.js';
import { isItemFailure, serviceBusFailure, storageFailure } from './deadletters-errors.js';
import { sequenceNumberOf } from './deadletters-item.js';
import { replayOfDeadLettered, replayOfPoison, type PoisonReplayContext } from './deadletters-replay-message.js';
import type { Action, Outcome } from './deadletters-run.js';
import type { DeadLetterStores } from './deadletters-stores.js';

/** Settlements and storage calls in flight at once within a batch. */
const CONCURRENCY = 8;

const dlqId = (message: ServiceBusReceivedMessage) => `dlq:${sequenceNumberOf(message)}`;
const poisonId = (record: StoredPoisonRecord) => `poison:${record.rowKey}`;

/**
 * Sends `messages` in as few batches as fit; resolves with, per message, why it could not be sent (undefined: sent).
 * Only a message too large for any batch fails alone; any other send failure stops the run.
 */
async function sendAll(
  sender: ServiceBusSender,
  messages: readonly ServiceBusMessage[],
  stores: DeadLetterStores,
): Promise<(string | undefined)[]> {
  const problems: (string | undefined)[] = messages.map(() => undefined);
  try {
    let batch = await sender.createMessageBatch();
    for (const [index, message] of messages.entries()) {
      if (batch.tryAddMessage(message)) continue;
      if (batch.count > 0) {
        await sender.sendMessages(batch);
        batch = await sender.createMessageBatch();
        if (batch.tryAddMessage(message)) continue;
      }
      problems[index] =
        `too large for a message of this namespace (${batch.maxSizeInBytes} bytes) with the replay marks`;
    }
    if (batch.count > 0) await sender.sendMessages(batch);
  } catch (error) {
    throw serviceBusFailure(error, stores.place, `send replays to topic ${stores.place.topic}`);
  }
  return problems;
}

/** Completes a message whose action is done; a lost lock fails the item (run again: a re-sent replay is dropped). */
async function complete(
  stores: DeadLetterStores,
  receiver: ServiceBusReceiver,
  message: ServiceBusReceivedMessage,
  what: string,
): Promise<Outcome> {
  try {
    await receiver.completeMessage(message);
    return { id: dlqId(message), status: 'done' };
  } catch (error) {
    if (!isItemFailure(error)) throw serviceBusFailure(error, stores.place, 'complete a dead-lettered message');
    return {
      id: dlqId(message),
      status: 'failed',
      detail: `${what}, but not removed from the queue: ${messageOf(error)}; run again`,
    };
  }
}

export function replayAction(
  stores: DeadLetterStores,
  context: PoisonReplayContext,
): Action & { close(): Promise<void> } {
  const subscription = stores.target.subscription;
  const sender = stores.serviceBus.createSender(stores.place.topic);
  return {
    async onDeadLettered(receiver, messages) {
      const replays = messages.map((message) => replayOfDeadLettered(message, subscription));
      let problems: (string | undefined)[];
      try {
        problems = await sendAll(sender, replays, stores);
      } catch (error) {
        // Nothing of this batch is known to be sent: give it back untouched.
        await Promise.allSettled(messages.map((message) => receiver.abandonMessage(message)));
        throw error;
      }
      return mapBounded(messages, CONCURRENCY, async (message, index): Promise<Outcome> => {
        const problem = problems[index];
        if (problem === undefined) return complete(stores, receiver, message, 'replayed');
        await receiver.abandonMessage(message).catch(() => undefined);
        return { id: dlqId(message), status: 'failed', detail: `not replayed: ${problem}` };
      });
    },
    async onPoison(records) {
      const bodies = await mapBounded(records, CONCURRENCY, (record) => readBody(stores, record));
      const ready = records.flatMap((record, index) => {
        const body = bodies[index];
        return Buffer.isBuffer(body) ? [{ record, message: replayOfPoison(record, body, subscription, context) }] : [];
      });
      const problems = await sendAll(
        sender,
        ready.map((entry) => entry.message),
        stores,
      );
      const sent = new Map(ready.map((entry, index) => [entry.record, problems[index]]));
      return mapBounded(records, CONCURRENCY, async (record, index): Promise<Outcome> => {
        const body = bodies[index];
        if (!Buffer.isBuffer(body)) return body as Outcome;
        const problem = sent.get(record);
        if (problem !== undefined)
          return { id: poisonId(record), status: 'failed', detail: `not replayed: ${problem}` };
        return deleteRecord(stores, record, 'replayed');
      });
    },
    close: () => sender.close(),
  };
}

export function purgeAction(stores: DeadLetterStores): Action {
  return {
    onDeadLettered: (receiver, messages) =>
      mapBounded(messages, CONCURRENCY, (message) => complete(stores, receiver, message, 'purge asked')),
    onPoison: (records) => mapBounded(records, CONCURRENCY, (record) => deleteRecord(stores, record, 'purge asked')),
  };
}

/** The body, or the outcome when there is none: skipped when the record went meanwhile, failed when only the blob did. */
async function readBody(stores: DeadLetterStores, record: StoredPoisonRecord): Promise<Buffer | Outcome> {
  try {
    return await stores.poison.readBody(record);
  } catch (error) {
    if (!isItemFailure(error)) {
      throw storageFailure(error, stores.storageEndpoint, `read the body of poison record ${record.rowKey}`);
    }
    const still = await stores.poison.get(record.target, record.rowKey).catch(() => record);
    if (still === undefined) {
      return {
        id: poisonId(record),
        status: 'skipped',
        detail: 'no longer recorded (removed by someone else since it was listed)',
      };
    }
    return {
      id: poisonId(record),
      status: 'failed',
      detail: `${messageOf(error)}; nothing to replay (purge removes the record)`,
    };
  }
}

async function deleteRecord(stores: DeadLetterStores, record: StoredPoisonRecord, what: string): Promise<Outcome> {
  try {
    await stores.poison.delete(record);
    return { id: poisonId(record), status: 'done' };
  } catch (error) {
    const failure = storageFailure(error, stores.storageEndpoint, `delete poison record ${record.rowKey}`);
    if (failure.code === 'DEADLETTERS_STORAGE_UNREACHABLE') throw failure;
    return {
      id: poisonId(record),
      status: 'failed',
      detail: `${what}, but the record was not deleted: ${failure.message} (${messageOf(error)})`,
    };
  }
}
