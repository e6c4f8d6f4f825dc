/**
 * What a replay sends: the dead letter's own body, with its session, subject, content type and application
 * properties, addressed to one subscription (shared/events/replay.ts) under a message id of its own. The id is
 * deterministic in what is replayed, so sending the same dead letter twice (a run stopped between sending and
 * settling, then run again) is dropped by the topic's duplicate detection within its window.
 */
import type { ServiceBusMessage, ServiceBusReceivedMessage } from '@azure/service-bus';
import { addressedTo, REPLAY_KIND_PROPERTY, REPLAY_TO_PROPERTY, replayMessageId } from '../../shared/events/replay.js';
import type { SourceConfig } from '../../shared/config/schema.js';
import type { StoredPoisonRecord } from '../../shared/poison/reader.js';
import { toServiceBusMessage } from '../../shared/publish/to-message.js';
import { parseEventMessage } from '../../shared/subscribe/parse-message.js';
import { sequenceNumberOf, type DeadLetter } from './deadletters-item.js';

/** Set by Service Bus when it dead-letters; a replayed message is a fresh delivery, not a dead letter. */
const DEAD_LETTER_PROPERTIES = new Set(['DeadLetterReason', 'DeadLetterErrorDescription']);

/** What a replay id is derived from: a dead-lettered message by its id and sequence number, a record by its key. */
const dlqBasis = (messageId: string | undefined, sequenceNumber: string) => `dlq:${messageId ?? ''}#${sequenceNumber}`;
const poisonBasis = (rowKey: string) => `poison:${rowKey}`;

/** The message id the replay of `item` to `subscription` gets (what `--dry-run` shows). */
export function replayIdOf(item: DeadLetter, subscription: string): string {
  const basis =
    item.kind === 'dlq' ? dlqBasis(item.messageId, item.sequenceNumber ?? '') : poisonBasis(item.record.rowKey);
  return replayMessageId('replay', subscription, basis);
}

/** A dead-lettered message as it was sent, without the dead-letter marks and any earlier addressing. */
export function replayOfDeadLettered(message: ServiceBusReceivedMessage, subscription: string): ServiceBusMessage {
  const properties: Record<string, number | boolean | string | Date | null> = {};
  for (const [name, value] of Object.entries(message.applicationProperties ?? {})) {
    if (!DEAD_LETTER_PROPERTIES.has(name) && name !== REPLAY_TO_PROPERTY && name !== REPLAY_KIND_PROPERTY) {
      properties[name] = value;
    }
  }
  const original: ServiceBusMessage = { body: message.body, applicationProperties: properties };
  if (message.contentType !== undefined) original.contentType = message.contentType;
  if (message.subject !== undefined) original.subject = message.subject;
  if (message.sessionId !== undefined) original.sessionId = message.sessionId;
  if (message.correlationId !== undefined) original.correlationId = message.correlationId;
  if (message.partitionKey !== undefined) original.partitionKey = message.partitionKey;
  const messageId = message.messageId === undefined ? undefined : String(message.messageId);
  const id = replayMessageId('replay', subscription, dlqBasis(messageId, sequenceNumberOf(message)));
  return addressedTo(original, subscription, 'replay', id);
}

export interface PoisonReplayContext {
  sessionBuckets: number;
  sources: readonly SourceConfig[];
}

/**
 * A poison record keeps the body byte for byte, the session and the correlation id, not the subject or properties:
 * those are what the publisher derives from the event, so they are derived again the same way. A body that is no
 * valid event keeps what the record knows (its source, for subscription rules) and goes as it is: the subscriber
 * sets it aside again, under the replay's id, if it is still not one.
 */
export function replayOfPoison(
  record: StoredPoisonRecord,
  body: Buffer,
  subscription: string,
  context: PoisonReplayContext,
): ServiceBusMessage {
  const parsed = parseEventMessage(body);
  let original: ServiceBusMessage;
  if (parsed.ok) {
    const source = context.sources.find((candidate) => candidate.name === parsed.event.source.name);
    const derived = toServiceBusMessage(parsed.event, {
      sessionBuckets: context.sessionBuckets,
      typeField: source?.typeField,
    });
    original = { ...derived, body };
  } else {
    original = { body, applicationProperties: record.source !== undefined ? { source: record.source } : {} };
  }
  if (record.sessionId !== undefined) original.sessionId = record.sessionId;
  if (record.correlationId !== undefined) original.correlationId = record.correlationId;
  const id = replayMessageId('replay', subscription, poisonBasis(record.rowKey));
  return addressedTo(original, subscription, 'replay', id);
}
