import type { ParsedEmulatorConfig } from '../config/parsed-config.js';
import { subscriptionMatches } from '../filters/rule-matcher.js';
import { brokerErrors } from './broker-error.js';
import { parseEntityAddress } from './entity-address.js';
import { QueueEntity, SubscriptionEntity, TopicEntity } from './entities.js';
import { filterView, type MessageContent } from './message-content.js';
import type { MessageQueue, QueueEnvironment } from './message-queue.js';

/** What an address resolves to. */
export type ResolvedEntity =
  | { kind: 'queue'; entity: QueueEntity; queue: MessageQueue }
  | { kind: 'topic'; entity: TopicEntity }
  | { kind: 'subscription'; entity: SubscriptionEntity; queue: MessageQueue }
  | { kind: 'deadLetter'; entity: QueueEntity | SubscriptionEntity; queue: MessageQueue };

export type SendTarget = QueueEntity | TopicEntity;

/** Service Bus stops auto-forwarding chains after four hops. */
const MAX_FORWARD_HOPS = 4;
const EXPIRY_SWEEP_INTERVAL_MS = 1_000;

/**
 * The namespace: entities by name (case-insensitive), routing of sent messages (duplicate detection, scheduling,
 * topic fan-out through subscription rules, auto-forwarding) and periodic expiry of old messages.
 */
export class ServiceBusNamespace {
  readonly queues = new Map<string, QueueEntity>();
  readonly topics = new Map<string, TopicEntity>();
  private readonly sweepTimer: NodeJS.Timeout;

  constructor(
    readonly config: ParsedEmulatorConfig,
    private readonly onError: (error: unknown, context: string) => void,
  ) {
    const environment = (path: string): QueueEnvironment => ({
      now: Date.now,
      onError,
      forwardDeadLettered: this.deadLetterForwarder(path),
    });
    for (const queue of config.queues) this.queues.set(queue.name.toLowerCase(), new QueueEntity(queue, environment));
    for (const topic of config.topics) {
      const entity = new TopicEntity(
        topic,
        environment,
        (due, sequenceNumbers) => this.releaseScheduled(due, sequenceNumbers),
        (error) => onError(error, `scheduled messages of ${topic.name}`),
      );
      this.topics.set(topic.name.toLowerCase(), entity);
    }
    this.sweepTimer = setInterval(() => this.sweepExpired(), EXPIRY_SWEEP_INTERVAL_MS);
    this.sweepTimer.unref();
  }

  get name(): string {
    return this.config.namespace;
  }

  resolve(address: string): ResolvedEntity | undefined {
    const parsed = parseEntityAddress(address);
    if (parsed === undefined || parsed.transferDeadLetter) return undefined;
    const queue = this.queues.get(parsed.entity.toLowerCase());
    if (queue !== undefined) {
      if (parsed.subscription !== undefined) return undefined;
      return parsed.deadLetter
        ? { kind: 'deadLetter', entity: queue, queue: queue.queue.deadLetterQueue as MessageQueue }
        : { kind: 'queue', entity: queue, queue: queue.queue };
    }
    const topic = this.topics.get(parsed.entity.toLowerCase());
    if (topic === undefined) return undefined;
    if (parsed.subscription === undefined) return parsed.deadLetter ? undefined : { kind: 'topic', entity: topic };
    const subscription = topic.subscriptions.get(parsed.subscription.toLowerCase());
    if (subscription === undefined) return undefined;
    return parsed.deadLetter
      ? { kind: 'deadLetter', entity: subscription, queue: subscription.queue.deadLetterQueue as MessageQueue }
      : { kind: 'subscription', entity: subscription, queue: subscription.queue };
  }

  /**
   * Accepts sent messages. All are checked before any is stored, so a refused batch leaves nothing behind.
   * Returns the sequence numbers assigned (undefined for duplicates, which are accepted and dropped like in Azure).
   */
  send(target: SendTarget, contents: MessageContent[], scheduledAt?: number): Array<number | undefined> {
    if (target.kind === 'queue' && target.definition.settings.requiresSession) {
      for (const content of contents)
        if (content.properties.groupId === undefined) throw brokerErrors.sessionIdMissing();
    }
    return contents.map((content) => this.accept(target, content, 0, scheduledAt));
  }

  cancelScheduled(target: SendTarget, sequenceNumbers: number[]): void {
    for (const sequenceNumber of sequenceNumbers) {
      if (target.kind === 'queue') {
        target.queue.cancelScheduled(sequenceNumber);
      } else if (target.scheduled.delete(sequenceNumber)) {
        target.scheduleTimers.cancel(sequenceNumber);
      } else {
        throw brokerErrors.messageNotFound(
          `No scheduled message with sequence number ${sequenceNumber} in '${target.name}'.`,
        );
      }
    }
  }

  close(): void {
    clearInterval(this.sweepTimer);
    for (const queue of this.queues.values()) closeQueue(queue.queue);
    for (const topic of this.topics.values()) {
      topic.scheduleTimers.dispose();
      for (const subscription of topic.subscriptions.values()) closeQueue(subscription.queue);
    }
  }

  private accept(
    target: SendTarget,
    content: MessageContent,
    hops: number,
    scheduledOverride?: number,
  ): number | undefined {
    const now = Date.now();
    if (target.duplicates?.isDuplicate(content.properties.messageId, now) === true) return undefined;
    const scheduledAt = scheduledOverride ?? scheduledTimeOf(content);
    if (target.kind === 'queue') {
      const forwardTo = target.definition.settings.forwardTo;
      if (forwardTo !== undefined && hops < MAX_FORWARD_HOPS) return this.forward(forwardTo, content, hops);
      const sequenceNumber = target.sequence.next();
      const ttlMs = Math.min(
        content.ttlMs || Number.POSITIVE_INFINITY,
        target.definition.settings.defaultMessageTimeToLiveMs,
      );
      target.queue.enqueue(content, { sequenceNumber, enqueuedAt: now, ttlMs, scheduledAt });
      return sequenceNumber;
    }
    target.accessedAtMs = now;
    const sequenceNumber = target.sequence.next();
    if (scheduledAt !== undefined && scheduledAt > now) {
      target.scheduled.set(sequenceNumber, { sequenceNumber, content, scheduledAt });
      target.scheduleTimers.schedule(sequenceNumber, scheduledAt);
    } else {
      this.fanOut(target, content, sequenceNumber, hops);
    }
    return sequenceNumber;
  }

  private fanOut(topic: TopicEntity, content: MessageContent, sequenceNumber: number, hops: number): void {
    const view = filterView(content);
    const now = Date.now();
    for (const subscription of topic.subscriptions.values()) {
      if (!subscriptionMatches(subscription.rules, view)) continue;
      const settings = subscription.definition.settings;
      if (settings.forwardTo !== undefined && hops < MAX_FORWARD_HOPS) {
        this.forward(settings.forwardTo, content, hops);
        continue;
      }
      const ttlMs = Math.min(
        content.ttlMs || Number.POSITIVE_INFINITY,
        topic.definition.settings.defaultMessageTimeToLiveMs,
        settings.defaultMessageTimeToLiveMs,
      );
      subscription.queue.enqueue(content, { sequenceNumber, enqueuedAt: now, ttlMs });
    }
  }

  private forward(targetName: string, content: MessageContent, hops: number): number | undefined {
    const target = this.queues.get(targetName.toLowerCase()) ?? this.topics.get(targetName.toLowerCase());
    if (target === undefined) throw brokerErrors.internal(`auto-forwarding target '${targetName}' does not exist`);
    if (
      target.kind === 'queue' &&
      target.definition.settings.requiresSession &&
      content.properties.groupId === undefined
    ) {
      throw brokerErrors.sessionIdMissing();
    }
    return this.accept(target, content, hops + 1);
  }

  private deadLetterForwarder(path: string): ((content: MessageContent, sourcePath: string) => void) | undefined {
    const parsed = parseEntityAddress(path);
    if (parsed === undefined || parsed.deadLetter) return undefined;
    const definition =
      parsed.subscription === undefined
        ? this.config.queues.find((queue) => queue.name === parsed.entity)
        : this.config.topics
            .find((topic) => topic.name === parsed.entity)
            ?.subscriptions.find((subscription) => subscription.name === parsed.subscription);
    const target = definition?.settings.forwardDeadLetteredMessagesTo;
    if (target === undefined) return undefined;
    return (content, sourcePath) => {
      try {
        this.forward(
          target,
          { ...content, annotations: { ...content.annotations, 'x-opt-deadletter-source': sourcePath } },
          0,
        );
      } catch (error) {
        this.onError(error, `forwarding a dead-lettered message from ${sourcePath} to ${target}`);
      }
    };
  }

  private releaseScheduled(topic: TopicEntity, sequenceNumbers: number[]): void {
    for (const sequenceNumber of sequenceNumbers) {
      const scheduled = topic.scheduled.get(sequenceNumber);
      if (scheduled === undefined) continue;
      topic.scheduled.delete(sequenceNumber);
      this.fanOut(topic, scheduled.content, sequenceNumber, 0);
    }
  }

  private sweepExpired(): void {
    try {
      for (const queue of this.queues.values()) queue.queue.sweepExpired();
      for (const topic of this.topics.values()) {
        for (const subscription of topic.subscriptions.values()) subscription.queue.sweepExpired();
      }
    } catch (error) {
      this.onError(error, 'expiring messages');
    }
  }
}

function closeQueue(queue: MessageQueue): void {
  queue.close();
  queue.deadLetterQueue?.close();
}

/** `scheduledEnqueueTimeUtc` travels as the `x-opt-scheduled-enqueue-time` annotation. */
function scheduledTimeOf(content: MessageContent): number | undefined {
  const value = content.annotations['x-opt-scheduled-enqueue-time'];
  if (value instanceof Date) return value.getTime();
  if (typeof value === 'number') return value;
  return undefined;
}
