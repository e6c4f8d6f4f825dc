import type { MessageContent } from './message-content.js';

/** What a queue needs to know about its entity (see MessageEntitySettings for the configured ones). */
export interface QueueSettings {
  lockDurationMs: number;
  maxDeliveryCount: number;
  requiresSession: boolean;
  deadLetteringOnMessageExpiration: boolean;
}

export interface QueueEnvironment {
  now(): number;
  onError(error: unknown, context: string): void;
  /** Set when the entity has ForwardDeadLetteredMessagesTo: dead-lettered messages go there instead of the DLQ. */
  forwardDeadLettered?: ((content: MessageContent, sourcePath: string) => void) | undefined;
}

export interface EnqueueFields {
  sequenceNumber: number;
  enqueuedAt: number;
  ttlMs: number;
  scheduledAt?: number | undefined;
}

export interface DeadLetterDetails {
  reason?: string | undefined;
  description?: string | undefined;
  propertiesToModify?: Record<string, unknown> | undefined;
}
