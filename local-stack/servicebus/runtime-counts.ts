/**
 * The seam between the local Service Bus broker (AMQP side, which owns the messages) and its management endpoint
 * (HTTP side, which answers `ServiceBusAdministrationClient`). The broker implements this interface; the management
 * endpoint only reads through it, so either side can be tested without the other.
 */

/** Counts for one queue or one subscription, as Service Bus reports them in `CountDetails`. */
export interface EntityRuntimeCounts {
  /** Messages available to receivers (not locked, not deferred, not scheduled for later). Locked messages count too, as in Azure. */
  activeMessageCount: number;
  deadLetterMessageCount: number;
  scheduledMessageCount: number;
  transferMessageCount: number;
  transferDeadLetterMessageCount: number;
  /** All messages held by the entity, dead-lettered ones included. */
  totalMessageCount: number;
  sizeInBytes: number;
  createdAt: Date;
  updatedAt: Date;
  accessedAt: Date;
}

export interface TopicRuntimeCounts {
  subscriptionCount: number;
  scheduledMessageCount: number;
  sizeInBytes: number;
  createdAt: Date;
  updatedAt: Date;
  accessedAt: Date;
}

/** Read-only view of the broker's entities. Names are matched case-insensitively, as Service Bus does. */
export interface RuntimeCountsSource {
  /** The namespace name from the configuration file (e.g. `sbemulatorns`). */
  namespaceName(): string;
  queueNames(): string[];
  topicNames(): string[];
  /** Undefined when the topic does not exist. */
  subscriptionNames(topic: string): string[] | undefined;
  queue(name: string): EntityRuntimeCounts | undefined;
  topic(name: string): TopicRuntimeCounts | undefined;
  subscription(topic: string, subscription: string): EntityRuntimeCounts | undefined;
  /** Static properties from the configuration (lock duration, max delivery count, ...), for the description part. */
  queueProperties(name: string): EntityProperties | undefined;
  topicProperties(name: string): EntityProperties | undefined;
  subscriptionProperties(topic: string, subscription: string): EntityProperties | undefined;
}

/** Properties from the emulator's Config.json, normalised (durations in milliseconds). */
export interface EntityProperties {
  lockDurationMs?: number;
  maxDeliveryCount?: number;
  requiresSession?: boolean;
  requiresDuplicateDetection?: boolean;
  duplicateDetectionHistoryTimeWindowMs?: number;
  defaultMessageTimeToLiveMs?: number;
  deadLetteringOnMessageExpiration?: boolean;
  forwardTo?: string;
  forwardDeadLetteredMessagesTo?: string;
}
