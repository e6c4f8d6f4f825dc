import type { MessageContent } from './message-content.js';

/** Service Bus message states as the `x-opt-message-state` annotation numbers them. */
export type MessageState = 'active' | 'deferred' | 'scheduled';

/**
 * One message held by one queue or subscription (a topic message becomes one StoredMessage per matching
 * subscription, all sharing the same content).
 */
export interface StoredMessage {
  readonly sequenceNumber: number;
  enqueuedAt: number;
  /** Epoch ms; Infinity when the message never expires. */
  expiresAt: number;
  /** Time-to-live in force (the sender's, capped by the entity's default). */
  ttlMs: number;
  content: MessageContent;
  state: MessageState;
  /** Deliveries so far. The AMQP header of the next delivery carries this value, as Service Bus does. */
  deliveryCount: number;
  lockToken: string | undefined;
  lockedUntil: number;
  readonly sessionId: string | undefined;
  scheduledAt: number | undefined;
  /** Set on dead-lettered messages: the entity they came from. */
  deadLetterSource: string | undefined;
  /** True while the message sits in a ready lane (guards against queuing it twice). */
  inReadyLane: boolean;
  /** True once the message left its entity; stale references (heaps, timers) check it. */
  removed: boolean;
}

export function newStoredMessage(fields: {
  sequenceNumber: number;
  enqueuedAt: number;
  ttlMs: number;
  content: MessageContent;
  state: MessageState;
  scheduledAt: number | undefined;
}): StoredMessage {
  return {
    sequenceNumber: fields.sequenceNumber,
    enqueuedAt: fields.enqueuedAt,
    ttlMs: fields.ttlMs,
    expiresAt: Number.isFinite(fields.ttlMs) ? fields.enqueuedAt + fields.ttlMs : Number.POSITIVE_INFINITY,
    content: fields.content,
    state: fields.state,
    deliveryCount: 0,
    lockToken: undefined,
    lockedUntil: 0,
    sessionId: fields.content.properties.groupId,
    scheduledAt: fields.scheduledAt,
    deadLetterSource: undefined,
    inReadyLane: false,
    removed: false,
  };
}

export const MESSAGE_STATE_CODES: Record<MessageState, number> = { active: 0, deferred: 1, scheduled: 2 };
