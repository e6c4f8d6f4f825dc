/**
 * `deadletters show`: one dead letter found by its id (`dlq:<sequence number>`, `poison:<row key>`), by its message
 * or event id, or by the start of any of them, then every field, the message properties and the body.
 */
import type { ServiceBusReceivedMessage } from '@azure/service-bus';
import { messageOf } from '../../shared/errors.js';
import type { StoredPoisonRecord } from '../../shared/poison/reader.js';
import { isItemFailure, storageFailure } from './deadletters-errors.js';
import {
  bodyBytesOf,
  fromDeadLetterQueue,
  fromPoisonRecord,
  itemJson,
  sequenceNumberOf,
  type DeadLetter,
} from './deadletters-item.js';
import { bodyView, showLines, type BodyView } from './deadletters-render.js';
import { listDeadLetters, type DeadLetterStores } from './deadletters-stores.js';

const MIN_PREFIX = 8;

/** The dead letters `id` names: one by a `dlq:`/`poison:` id, any number by a message or event id or a prefix. */
export async function findDeadLetter(
  stores: DeadLetterStores,
  id: string,
  signal: AbortSignal | undefined,
  now: Date,
): Promise<DeadLetter[]> {
  if (id.startsWith('dlq:')) {
    const sequence = id.slice('dlq:'.length);
    let found: DeadLetter | undefined;
    await stores.dlq.peek((message) => {
      if (sequenceNumberOf(message) !== sequence) return true;
      found = fromDeadLetterQueue(message);
      return false;
    }, signal);
    return found ? [found] : [];
  }
  if (id.startsWith('poison:')) {
    const rowKey = id.slice('poison:'.length);
    try {
      const record = await stores.poison.get(stores.target.name, rowKey);
      if (record) return [fromPoisonRecord(record)];
    } catch (error) {
      throw storageFailure(error, stores.storageEndpoint, `read poison record ${rowKey}`);
    }
  }
  // A message id, an event id, or the start of one (at least 8 characters, as ids are long hex strings). A poison
  // id that was not found exactly is looked for among the records only: nothing of the queue was peeked yet.
  const filter = id.startsWith('poison:') ? { kind: 'poison' as const } : {};
  const listing = await listDeadLetters(stores, filter, { signal, now });
  const exact = listing.items.filter((item) => item.messageId === id || item.eventId === id);
  if (exact.length > 0 || id.length < MIN_PREFIX) return exact;
  return listing.items.filter((item) =>
    [item.id, item.messageId, item.eventId].some((candidate) => candidate?.startsWith(id) === true),
  );
}

/** What Service Bus says about a dead-lettered message, beside its body. */
function messageProperties(message: ServiceBusReceivedMessage): Record<string, unknown> {
  return {
    messageId: message.messageId,
    sequenceNumber: sequenceNumberOf(message),
    subject: message.subject,
    contentType: message.contentType,
    sessionId: message.sessionId,
    correlationId: message.correlationId,
    deliveryCount: message.deliveryCount,
    enqueuedTimeUtc: message.enqueuedTimeUtc,
    deadLetterReason: message.deadLetterReason,
    deadLetterErrorDescription: message.deadLetterErrorDescription,
    deadLetterSource: message.deadLetterSource,
    applicationProperties: message.applicationProperties ?? {},
  };
}

async function poisonBody(stores: DeadLetterStores, record: StoredPoisonRecord): Promise<BodyView> {
  try {
    return bodyView(await stores.poison.readBody(record));
  } catch (error) {
    if (!isItemFailure(error)) throw storageFailure(error, stores.storageEndpoint, `read blob ${record.bodyBlob}`);
    return { encoding: 'missing', bytes: 0, detail: messageOf(error) };
  }
}

export async function showDeadLetter(
  stores: DeadLetterStores,
  item: DeadLetter,
  asJson: boolean,
  now: Date,
): Promise<string> {
  const properties =
    item.kind === 'dlq' ? messageProperties(item.message) : { ...item.record, target: undefined, rowKey: undefined };
  const body = item.kind === 'dlq' ? bodyView(bodyBytesOf(item.message.body)) : await poisonBody(stores, item.record);
  if (asJson) {
    return JSON.stringify({ item: itemJson(item, now), properties, body }, null, 2);
  }
  const where =
    item.kind === 'dlq'
      ? `in the dead-letter queue of subscription ${stores.place.subscription} (topic ${stores.place.topic})`
      : `poison record of target ${stores.target.name} (${stores.poisonPlace})`;
  return showLines(item, where, properties, body, now).join('\n');
}
