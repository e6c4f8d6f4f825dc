/**
 * A poison record: a message its target can never apply, set aside by the subscriber with the reason. The generally
 * available Service Bus binding settles a whole batch at once (complete when the function returns, abandon when it
 * throws), so a message cannot be dead-lettered on its own; the subscriber records it here and lets the batch
 * complete. The status API counts these records per target, and operators (and replay tooling) read them back.
 *
 * Stored as one table row per message (metadata) and one blob (the body exactly as delivered, so nothing is lost).
 * The row key comes from the message id, so recording a redelivered message again changes nothing.
 */
import { createHash } from 'node:crypto';

export interface PoisonRecord {
  target: string;
  reason: string;
  description: string;
  messageId: string | undefined;
  /** From the body when it parsed far enough to tell. */
  eventId: string | undefined;
  source: string | undefined;
  /** `{"documentId":...,"partitionKey":...}` of the event, when known. */
  documentKey: string | undefined;
  sessionId: string | undefined;
  correlationId: string | undefined;
  deliveryCount: number | undefined;
  enqueuedTimeUtc: Date | undefined;
  sequenceNumber: string | undefined;
  recordedAt: Date;
  body: Uint8Array;
}

/** Table keys may not hold `/ \ # ?` or control characters; ids that could are hashed instead. */
const SAFE_KEY = /^[A-Za-z0-9._:@=+-]{1,200}$/;

export function poisonRowKey(messageId: string | undefined, body: Uint8Array): string {
  if (messageId !== undefined && SAFE_KEY.test(messageId)) return messageId;
  const hash = createHash('sha256');
  if (messageId !== undefined) hash.update(`message-id:${messageId}`);
  else hash.update('body:').update(body);
  return `sha256-${hash.digest('hex')}`;
}

/** Where the body of a record lives in the quarantine container. */
export const poisonBlobName = (target: string, rowKey: string): string => `poison-messages/${target}/${rowKey}`;

/** What the record says about its event, read from a body that may be anything. Never throws. */
export function eventFieldsOf(body: Uint8Array): Pick<PoisonRecord, 'eventId' | 'source' | 'documentKey'> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
  } catch {
    return { eventId: undefined, source: undefined, documentKey: undefined };
  }
  const object = typeof value === 'object' && value !== null ? (value as Record<string, unknown>) : {};
  const source = object['source'];
  const sourceName =
    typeof source === 'object' && source !== null ? (source as Record<string, unknown>)['name'] : undefined;
  const documentId = object['documentId'];
  return {
    eventId: typeof object['eventId'] === 'string' ? object['eventId'] : undefined,
    source: typeof sourceName === 'string' ? sourceName : undefined,
    documentKey:
      typeof documentId === 'string'
        ? JSON.stringify({ documentId, partitionKey: object['partitionKey'] ?? null })
        : undefined,
  };
}
