/**
 * One dead letter of a target, whichever place holds it: a message in the dead-letter queue of the target's
 * subscription (Service Bus put it there: MaxDeliveryCountExceeded, TTLExpiredException, ...), or a poison record the
 * subscriber set aside itself (the generally available binding cannot dead-letter one message of a batch). Both are
 * shown, filtered and replayed the same way.
 */
import type { ServiceBusReceivedMessage } from '@azure/service-bus';
import type { StoredPoisonRecord } from '../../shared/poison/reader.js';
import { eventFieldsOf } from '../../shared/poison/record.js';

export type DeadLetterKind = 'dlq' | 'poison';

export interface DeadLetterItem {
  /** `dlq:<sequence number>` or `poison:<row key>`: what `show` takes. */
  id: string;
  kind: DeadLetterKind;
  reason: string | undefined;
  description: string | undefined;
  deliveryCount: number | undefined;
  eventId: string | undefined;
  source: string | undefined;
  /** `{"documentId":...,"partitionKey":...}` of the event, when the body tells. */
  documentKey: string | undefined;
  messageId: string | undefined;
  /** In the dead-letter queue for `dlq`; of the original delivery for `poison`. */
  sequenceNumber: string | undefined;
  sessionId: string | undefined;
  /**
   * When it became a dead letter, as far as known: a poison record's time of recording; for the dead-letter queue,
   * the message's enqueue time, which Service Bus keeps when it dead-letters (so that is the age of the message).
   */
  since: Date | undefined;
}

export type DeadLetter =
  | (DeadLetterItem & { kind: 'dlq'; message: ServiceBusReceivedMessage })
  | (DeadLetterItem & { kind: 'poison'; record: StoredPoisonRecord });

/** A received message's body as bytes: data sections arrive as bytes, other AMQP bodies as JSON-able values. */
export function bodyBytesOf(body: unknown): Buffer {
  if (Buffer.isBuffer(body)) return body;
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  if (body === undefined || body === null) return Buffer.alloc(0);
  return Buffer.from(JSON.stringify(body), 'utf8');
}

const text = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;

export function sequenceNumberOf(message: ServiceBusReceivedMessage): string {
  return message.sequenceNumber?.toString() ?? '';
}

export function fromDeadLetterQueue(message: ServiceBusReceivedMessage): DeadLetter {
  const sequenceNumber = sequenceNumberOf(message);
  const fields = eventFieldsOf(bodyBytesOf(message.body));
  const source = message.applicationProperties?.['source'];
  return {
    id: `dlq:${sequenceNumber}`,
    kind: 'dlq',
    reason: message.deadLetterReason,
    description: message.deadLetterErrorDescription,
    deliveryCount: message.deliveryCount,
    eventId: fields.eventId,
    source: fields.source ?? text(source),
    documentKey: fields.documentKey,
    messageId: message.messageId === undefined ? undefined : String(message.messageId),
    sequenceNumber,
    sessionId: message.sessionId,
    since: message.enqueuedTimeUtc,
    message,
  };
}

export function fromPoisonRecord(record: StoredPoisonRecord): DeadLetter {
  return {
    id: `poison:${record.rowKey}`,
    kind: 'poison',
    reason: record.reason,
    description: record.description,
    deliveryCount: record.deliveryCount,
    eventId: record.eventId,
    source: record.source,
    documentKey: record.documentKey,
    messageId: record.messageId,
    sequenceNumber: record.sequenceNumber,
    sessionId: record.sessionId,
    since: record.recordedAt,
    record,
  };
}

/** The item without what it was read from: the shape of `--json` output. */
export function plainItem(item: DeadLetter): DeadLetterItem {
  return {
    id: item.id,
    kind: item.kind,
    reason: item.reason,
    description: item.description,
    deliveryCount: item.deliveryCount,
    eventId: item.eventId,
    source: item.source,
    documentKey: item.documentKey,
    messageId: item.messageId,
    sequenceNumber: item.sequenceNumber,
    sessionId: item.sessionId,
    since: item.since,
  };
}

/** `--json` form of an item: its fields and its age in seconds (null when unknown). */
export function itemJson(item: DeadLetter, now: Date): DeadLetterItem & { ageSeconds: number | null } {
  const ageSeconds = item.since === undefined ? null : Math.max(0, (now.getTime() - item.since.getTime()) / 1000);
  return { ...plainItem(item), ageSeconds };
}
