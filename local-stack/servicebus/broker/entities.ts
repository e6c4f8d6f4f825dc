import type {
  QueueDefinition,
  RuleDefinition,
  SubscriptionDefinition,
  TopicDefinition,
} from '../config/parsed-config.js';
import { DeadlineScheduler } from './deadline-scheduler.js';
import { DuplicateDetector } from './duplicate-detector.js';
import type { MessageContent } from './message-content.js';
import { MessageQueue, type QueueEnvironment } from './message-queue.js';

/** Entities of the namespace. Queues and subscriptions hold messages; topics route them. */

/** Sequence numbers are per entity and start at 1, as in Service Bus. */
export class SequenceCounter {
  private last = 0;
  next(): number {
    return ++this.last;
  }
}

export class QueueEntity {
  readonly kind = 'queue';
  readonly sequence = new SequenceCounter();
  readonly duplicates: DuplicateDetector | undefined;
  readonly queue: MessageQueue;

  constructor(
    readonly definition: QueueDefinition,
    environment: (path: string) => QueueEnvironment,
  ) {
    const settings = definition.settings;
    this.duplicates = settings.requiresDuplicateDetection
      ? new DuplicateDetector(settings.duplicateDetectionHistoryTimeWindowMs)
      : undefined;
    this.queue = newQueueWithDeadLetter(definition.name, settings, environment);
  }

  get name(): string {
    return this.definition.name;
  }
}

export interface ScheduledTopicMessage {
  sequenceNumber: number;
  content: MessageContent;
  scheduledAt: number;
}

export class TopicEntity {
  readonly kind = 'topic';
  readonly sequence = new SequenceCounter();
  readonly duplicates: DuplicateDetector | undefined;
  readonly subscriptions = new Map<string, SubscriptionEntity>();
  /** Topic messages scheduled for later are held here and fan out when due. */
  readonly scheduled = new Map<number, ScheduledTopicMessage>();
  readonly scheduleTimers: DeadlineScheduler<number>;
  readonly createdAt = new Date();
  accessedAtMs = this.createdAt.getTime();

  constructor(
    readonly definition: TopicDefinition,
    environment: (path: string) => QueueEnvironment,
    onScheduledDue: (topic: TopicEntity, sequenceNumbers: number[]) => void,
    onError: (error: unknown) => void,
  ) {
    const settings = definition.settings;
    this.duplicates = settings.requiresDuplicateDetection
      ? new DuplicateDetector(settings.duplicateDetectionHistoryTimeWindowMs)
      : undefined;
    this.scheduleTimers = new DeadlineScheduler((due) => onScheduledDue(this, due), onError);
    for (const subscription of definition.subscriptions) {
      this.subscriptions.set(subscription.name.toLowerCase(), new SubscriptionEntity(this, subscription, environment));
    }
  }

  get name(): string {
    return this.definition.name;
  }

  get scheduledSizeInBytes(): number {
    let total = 0;
    for (const message of this.scheduled.values()) total += message.content.size;
    return total;
  }
}

export class SubscriptionEntity {
  readonly kind = 'subscription';
  readonly queue: MessageQueue;
  readonly path: string;

  constructor(
    readonly topic: TopicEntity,
    readonly definition: SubscriptionDefinition,
    environment: (path: string) => QueueEnvironment,
  ) {
    this.path = `${topic.name}/Subscriptions/${definition.name}`;
    this.queue = newQueueWithDeadLetter(this.path, definition.settings, environment);
  }

  get name(): string {
    return this.definition.name;
  }

  get rules(): ReadonlyArray<RuleDefinition> {
    return this.definition.rules;
  }
}

function newQueueWithDeadLetter(
  path: string,
  settings: QueueDefinition['settings'] | SubscriptionDefinition['settings'],
  environment: (path: string) => QueueEnvironment,
): MessageQueue {
  const deadLetterPath = `${path}/$DeadLetterQueue`;
  // Dead-letter queues never require sessions, never expire messages and never dead-letter again.
  const deadLetterQueue = new MessageQueue(
    deadLetterPath,
    {
      lockDurationMs: settings.lockDurationMs,
      maxDeliveryCount: Number.POSITIVE_INFINITY,
      requiresSession: false,
      deadLetteringOnMessageExpiration: false,
    },
    { ...environment(deadLetterPath), forwardDeadLettered: undefined },
    undefined,
  );
  return new MessageQueue(path, settings, environment(path), deadLetterQueue);
}
