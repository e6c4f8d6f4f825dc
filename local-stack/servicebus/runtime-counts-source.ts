import type { MessageEntitySettings, DuplicateDetectionSettings } from './config/parsed-config.js';
import type { ServiceBusNamespace } from './broker/namespace.js';
import type { MessageQueue } from './broker/message-queue.js';
import type {
  EntityProperties,
  EntityRuntimeCounts,
  RuntimeCountsSource,
  TopicRuntimeCounts,
} from './runtime-counts.js';

/** The broker's side of the seam the management endpoint reads through. Names are matched case-insensitively. */
export function createRuntimeCountsSource(namespace: ServiceBusNamespace): RuntimeCountsSource {
  const queueEntity = (name: string) => namespace.queues.get(name.toLowerCase());
  const topicEntity = (name: string) => namespace.topics.get(name.toLowerCase());
  const subscriptionEntity = (topic: string, subscription: string) =>
    topicEntity(topic)?.subscriptions.get(subscription.toLowerCase());
  return {
    namespaceName: () => namespace.name,
    queueNames: () => [...namespace.queues.values()].map((queue) => queue.name),
    topicNames: () => [...namespace.topics.values()].map((topic) => topic.name),
    subscriptionNames: (topic) => {
      const entity = topicEntity(topic);
      return entity === undefined
        ? undefined
        : [...entity.subscriptions.values()].map((subscription) => subscription.name);
    },
    queue: (name) => {
      const entity = queueEntity(name);
      return entity === undefined ? undefined : queueCounts(entity.queue);
    },
    topic: (name): TopicRuntimeCounts | undefined => {
      const entity = topicEntity(name);
      if (entity === undefined) return undefined;
      return {
        subscriptionCount: entity.subscriptions.size,
        scheduledMessageCount: entity.scheduled.size,
        sizeInBytes: entity.scheduledSizeInBytes,
        createdAt: entity.createdAt,
        updatedAt: entity.createdAt,
        accessedAt: new Date(entity.accessedAtMs),
      };
    },
    subscription: (topic, subscription) => {
      const entity = subscriptionEntity(topic, subscription);
      return entity === undefined ? undefined : queueCounts(entity.queue);
    },
    queueProperties: (name) => {
      const entity = queueEntity(name);
      return entity === undefined ? undefined : entityProperties(entity.definition.settings);
    },
    topicProperties: (name) => {
      const settings = topicEntity(name)?.definition.settings;
      return settings === undefined
        ? undefined
        : {
            defaultMessageTimeToLiveMs: settings.defaultMessageTimeToLiveMs,
            requiresDuplicateDetection: settings.requiresDuplicateDetection,
            duplicateDetectionHistoryTimeWindowMs: settings.duplicateDetectionHistoryTimeWindowMs,
          };
    },
    subscriptionProperties: (topic, subscription) => {
      const entity = subscriptionEntity(topic, subscription);
      return entity === undefined ? undefined : entityProperties(entity.definition.settings);
    },
  };
}

function queueCounts(queue: MessageQueue): EntityRuntimeCounts {
  const deadLetter = queue.deadLetterQueue;
  const deadLetterCount = deadLetter?.store.size ?? 0;
  return {
    activeMessageCount: queue.store.activeCount,
    deadLetterMessageCount: deadLetterCount,
    scheduledMessageCount: queue.store.scheduledCount,
    transferMessageCount: 0,
    transferDeadLetterMessageCount: 0,
    totalMessageCount: queue.store.size + deadLetterCount,
    sizeInBytes: queue.store.sizeInBytes + (deadLetter?.store.sizeInBytes ?? 0),
    createdAt: queue.createdAt,
    updatedAt: queue.createdAt,
    accessedAt: new Date(Math.max(queue.accessedAtMs, deadLetter?.accessedAtMs ?? 0)),
  };
}

function entityProperties(settings: MessageEntitySettings & Partial<DuplicateDetectionSettings>): EntityProperties {
  const properties: EntityProperties = {
    lockDurationMs: settings.lockDurationMs,
    maxDeliveryCount: settings.maxDeliveryCount,
    requiresSession: settings.requiresSession,
    defaultMessageTimeToLiveMs: settings.defaultMessageTimeToLiveMs,
    deadLetteringOnMessageExpiration: settings.deadLetteringOnMessageExpiration,
  };
  if (settings.requiresDuplicateDetection !== undefined)
    properties.requiresDuplicateDetection = settings.requiresDuplicateDetection;
  if (settings.duplicateDetectionHistoryTimeWindowMs !== undefined) {
    properties.duplicateDetectionHistoryTimeWindowMs = settings.duplicateDetectionHistoryTimeWindowMs;
  }
  if (settings.forwardTo !== undefined) properties.forwardTo = settings.forwardTo;
  if (settings.forwardDeadLetteredMessagesTo !== undefined)
    properties.forwardDeadLetteredMessagesTo = settings.forwardDeadLetteredMessagesTo;
  return properties;
}
