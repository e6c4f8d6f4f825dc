/**
 * A `RuntimeCountsSource` with fixed numbers, standing in for the broker in the management endpoint's tests. Lookups
 * are deliberately exact-case: the endpoint itself must make names case-insensitive.
 */

import type {
  EntityProperties,
  EntityRuntimeCounts,
  RuntimeCountsSource,
  TopicRuntimeCounts,
} from '../../../local-stack/servicebus/runtime-counts.js';

const DATES = {
  createdAt: new Date('2026-01-01T00:00:00.000Z'),
  updatedAt: new Date('2026-01-02T00:00:00.000Z'),
  accessedAt: new Date('2026-01-03T00:00:00.000Z'),
};

function counts(overrides: Partial<EntityRuntimeCounts> = {}): EntityRuntimeCounts {
  return {
    activeMessageCount: 0,
    deadLetterMessageCount: 0,
    scheduledMessageCount: 0,
    transferMessageCount: 0,
    transferDeadLetterMessageCount: 0,
    totalMessageCount: 0,
    sizeInBytes: 0,
    ...DATES,
    ...overrides,
  };
}

interface FixedQueue {
  counts: EntityRuntimeCounts;
  properties: EntityProperties;
}

const queues = new Map<string, FixedQueue>([
  [
    'smoke-queue',
    {
      counts: counts({
        activeMessageCount: 5,
        deadLetterMessageCount: 2,
        scheduledMessageCount: 1,
        transferMessageCount: 3,
        transferDeadLetterMessageCount: 4,
        totalMessageCount: 15,
        sizeInBytes: 4096,
      }),
      properties: {
        lockDurationMs: 60_000,
        maxDeliveryCount: 10,
        requiresSession: false,
        requiresDuplicateDetection: false,
        duplicateDetectionHistoryTimeWindowMs: 20_000,
        defaultMessageTimeToLiveMs: 3_600_000,
        deadLetteringOnMessageExpiration: false,
        forwardTo: '',
        forwardDeadLetteredMessagesTo: '',
      },
    },
  ],
  ['orders.v2-eu', { counts: counts(), properties: {} }],
  ['tenant-a/orders', { counts: counts(), properties: {} }],
]);

interface FixedTopic {
  counts: TopicRuntimeCounts;
  properties: EntityProperties;
  subscriptions: Map<string, FixedQueue>;
}

const topics = new Map<string, FixedTopic>([
  [
    'cosmos-sync-events',
    {
      counts: { subscriptionCount: 2, scheduledMessageCount: 6, sizeInBytes: 2048, ...DATES },
      properties: {
        defaultMessageTimeToLiveMs: 14 * 24 * 3_600_000,
        duplicateDetectionHistoryTimeWindowMs: 600_000,
        requiresDuplicateDetection: true,
      },
      subscriptions: new Map([
        [
          'cosmos-target',
          {
            counts: counts({ activeMessageCount: 7, deadLetterMessageCount: 1, totalMessageCount: 8 }),
            properties: {},
          },
        ],
        [
          'audit.log-1',
          {
            counts: counts(),
            properties: {
              lockDurationMs: 30_000,
              maxDeliveryCount: 3,
              requiresSession: true,
              deadLetteringOnMessageExpiration: true,
              forwardDeadLetteredMessagesTo: 'smoke-queue',
            },
          },
        ],
      ]),
    },
  ],
  [
    'quiet-topic',
    {
      counts: { subscriptionCount: 0, scheduledMessageCount: 0, sizeInBytes: 0, ...DATES },
      properties: {},
      subscriptions: new Map(),
    },
  ],
]);

export const fixedCountsSource: RuntimeCountsSource = {
  namespaceName: () => 'sbemulatorns',
  queueNames: () => [...queues.keys()],
  topicNames: () => [...topics.keys()],
  subscriptionNames: (topic) => {
    const subscriptions = topics.get(topic)?.subscriptions;
    return subscriptions === undefined ? undefined : [...subscriptions.keys()];
  },
  queue: (name) => queues.get(name)?.counts,
  topic: (name) => topics.get(name)?.counts,
  subscription: (topic, subscription) => topics.get(topic)?.subscriptions.get(subscription)?.counts,
  queueProperties: (name) => queues.get(name)?.properties,
  topicProperties: (name) => topics.get(name)?.properties,
  subscriptionProperties: (topic, subscription) => topics.get(topic)?.subscriptions.get(subscription)?.properties,
};
