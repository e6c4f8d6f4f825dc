import { brokerErrors } from './broker-error.js';
import type { MessageConsumer, SessionHolder } from './consumer.js';
import { DeadlineScheduler } from './deadline-scheduler.js';
import { DeliveryPump, type ServedLane } from './delivery-pump.js';
import { LockTable } from './lock-table.js';
import { withApplicationProperties, type MessageContent } from './message-content.js';
import { MessageStore } from './message-store.js';
import type { DeadLetterDetails, EnqueueFields, QueueEnvironment, QueueSettings } from './queue-types.js';
import { ReadyLane } from './ready-lane.js';
import { SessionDirectory, type SessionLane } from './session-directory.js';
import { newStoredMessage, type StoredMessage } from './stored-message.js';

export type { DeadLetterDetails, EnqueueFields, QueueEnvironment, QueueSettings } from './queue-types.js';

/**
 * The messages of one queue, subscription or dead-letter queue, and what happens to them: delivery within link
 * credit, peek-lock, settlement, deferral, scheduling, expiry, dead-lettering and sessions. Enqueue, take and
 * settle are O(log n) or better.
 */
export class MessageQueue {
  readonly store = new MessageStore();
  readonly sessions: SessionDirectory | undefined;
  readonly createdAt: Date;
  /** Epoch ms of the last send or delivery (a number: it changes on every message). */
  accessedAtMs: number;
  private readonly lane = new ReadyLane();
  private readonly consumers: MessageConsumer[] = [];
  private readonly locks: LockTable;
  private readonly scheduleTimers: DeadlineScheduler<StoredMessage>;
  private readonly pump: DeliveryPump;
  private nextExpiryAt = Number.POSITIVE_INFINITY;

  constructor(
    readonly path: string,
    readonly settings: QueueSettings,
    private readonly env: QueueEnvironment,
    /** Undefined for a dead-letter queue, which has none of its own. */
    readonly deadLetterQueue: MessageQueue | undefined,
  ) {
    this.createdAt = new Date(env.now());
    this.accessedAtMs = this.createdAt.getTime();
    const onError = (error: unknown): void => env.onError(error, `handling messages of ${path}`);
    this.locks = new LockTable(env.now, (message) => this.releaseLock(message), onError);
    this.scheduleTimers = new DeadlineScheduler((due) => due.forEach((message) => this.activate(message)), onError);
    this.pump = new DeliveryPump(
      {
        lanesToServe: () => this.lanesToServe(),
        take: (lane) => this.takeReady(lane),
        deliver: (consumer, message, session) => this.deliverTo(consumer, message, session),
      },
      onError,
    );
    this.sessions = settings.requiresSession
      ? new SessionDirectory(settings.lockDurationMs, env.now, (lane) => this.onSessionLockExpired(lane), onError)
      : undefined;
  }

  // ---- arrival -------------------------------------------------------------------------------------------------

  enqueue(content: MessageContent, fields: EnqueueFields): StoredMessage {
    const scheduledAt = fields.scheduledAt;
    const scheduled = scheduledAt !== undefined && scheduledAt > this.env.now();
    const message = newStoredMessage({
      sequenceNumber: fields.sequenceNumber,
      enqueuedAt: scheduled ? scheduledAt : fields.enqueuedAt,
      ttlMs: fields.ttlMs,
      content,
      state: scheduled ? 'scheduled' : 'active',
      scheduledAt,
    });
    this.store.add(message);
    this.accessedAtMs = this.env.now();
    const session = message.sessionId === undefined ? undefined : this.sessions?.getOrCreate(message.sessionId);
    if (session !== undefined) session.messageCount++;
    if (scheduled) {
      this.scheduleTimers.schedule(message, scheduledAt);
    } else if (this.sessions !== undefined && message.sessionId === undefined) {
      // A topic message without a session id cannot live in a session-enabled subscription; Service Bus
      // dead-letters it there (queues refuse such messages at send time instead).
      this.deadLetter(message, {
        reason: 'SessionIdIsMissing',
        description: "Session enabled entity doesn't allow a message whose session identifier is null.",
      });
    } else {
      this.trackExpiry(message);
      this.makeReady(message);
    }
    return message;
  }

  /** Takes in a message dead-lettered from the parent entity, keeping its sequence number and delivery count. */
  acceptDeadLettered(source: StoredMessage, content: MessageContent): void {
    const message = newStoredMessage({
      sequenceNumber: source.sequenceNumber,
      enqueuedAt: source.enqueuedAt,
      ttlMs: Number.POSITIVE_INFINITY, // dead-lettered messages do not expire
      content,
      state: 'active',
      scheduledAt: undefined,
    });
    message.deliveryCount = source.deliveryCount;
    this.store.add(message);
    this.makeReady(message);
  }

  cancelScheduled(sequenceNumber: number): void {
    const message = this.store.get(sequenceNumber);
    if (message === undefined || message.state !== 'scheduled') {
      throw brokerErrors.messageNotFound(
        `No scheduled message with sequence number ${sequenceNumber} in '${this.path}'.`,
      );
    }
    this.scheduleTimers.cancel(message);
    this.remove(message);
  }

  // ---- delivery ------------------------------------------------------------------------------------------------

  addConsumer(consumer: MessageConsumer): void {
    this.consumers.push(consumer);
    this.pump.request();
  }

  removeConsumer(consumer: MessageConsumer): void {
    const index = this.consumers.indexOf(consumer);
    if (index >= 0) this.consumers.splice(index, 1);
  }

  /** A receiver got credit (or a session was granted): deliver what can be delivered. */
  requestPump(): void {
    this.pump.request();
  }

  /** Takes deferred messages by sequence number (`receiveDeferredMessages`), encoding each before it is counted. */
  receiveDeferred<T>(
    sequenceNumbers: number[],
    mode: MessageConsumer['receiveMode'],
    sessionId: string | undefined,
    encode: (message: StoredMessage) => T,
  ): T[] {
    const messages = sequenceNumbers.map((sequenceNumber) => {
      const message = this.store.get(sequenceNumber);
      if (message?.state !== 'deferred' || (sessionId !== undefined && message.sessionId !== sessionId)) {
        throw brokerErrors.messageNotFound(
          `The message with sequence number ${sequenceNumber} was not found or is not deferred in '${this.path}'.`,
        );
      }
      if (message.lockToken !== undefined) {
        throw brokerErrors.notAllowed(`The deferred message ${sequenceNumber} is already locked by a receiver.`);
      }
      return message;
    });
    return messages.map((message) => {
      if (mode === 'receiveAndDelete') this.remove(message);
      else this.locks.lock(message, this.env.now() + this.settings.lockDurationMs, true);
      const encoded = encode(message);
      message.deliveryCount++;
      return encoded;
    });
  }

  /** Messages from `fromSequenceNumber` on, in sequence order, whatever their state (Service Bus peek). */
  peek(fromSequenceNumber: number, maxCount: number, sessionId: string | undefined): StoredMessage[] {
    const found: StoredMessage[] = [];
    // Main entities store messages in sequence order; a dead-letter queue receives them out of order.
    const inSequenceOrder = this.deadLetterQueue !== undefined;
    for (const message of this.store.bySequence.values()) {
      if (message.sequenceNumber < fromSequenceNumber) continue;
      if (sessionId !== undefined && message.sessionId !== sessionId) continue;
      found.push(message);
      if (inSequenceOrder && found.length >= maxCount) return found;
    }
    return found.sort((a, b) => a.sequenceNumber - b.sequenceNumber).slice(0, maxCount);
  }

  private *lanesToServe(): Iterable<ServedLane> {
    if (this.sessions === undefined) {
      yield { lane: this.lane, consumers: this.consumers, session: undefined };
      return;
    }
    for (const session of this.sessions.heldLanes) {
      if (session.holder !== undefined) yield { lane: session.ready, consumers: [session.holder.consumer], session };
    }
  }

  private takeReady(lane: ReadyLane): StoredMessage | undefined {
    const now = this.env.now();
    for (let message = lane.take(); message !== undefined; message = lane.take()) {
      if (message.expiresAt > now) return message;
      this.expire(message);
    }
    return undefined;
  }

  private deliverTo(consumer: MessageConsumer, message: StoredMessage, session: SessionLane | undefined): void {
    this.accessedAtMs = this.env.now();
    if (consumer.receiveMode === 'receiveAndDelete') {
      this.remove(message);
    } else if (session !== undefined) {
      this.locks.lock(message, session.lockedUntil, false);
      session.lockedMessages.add(message);
    } else {
      this.locks.lock(message, this.env.now() + this.settings.lockDurationMs, true);
    }
    consumer.deliver(message);
    message.deliveryCount++;
  }

  // ---- settlement ----------------------------------------------------------------------------------------------

  /** The message a lock token refers to, if the lock is still held. An expired lock is released on the way. */
  lockedMessage(lockToken: string): StoredMessage {
    const message = this.locks.get(lockToken);
    // In a session-enabled entity message locks are the session's lock, so losing one is losing the session.
    if (message === undefined) {
      throw this.sessions === undefined ? brokerErrors.messageLockLost() : brokerErrors.sessionLockLost(undefined);
    }
    const session = this.sessionOf(message);
    if (session !== undefined) {
      if (this.sessions?.isLocked(session) !== true) throw brokerErrors.sessionLockLost(message.sessionId);
    } else if (message.lockedUntil <= this.env.now()) {
      this.releaseLock(message);
      throw brokerErrors.messageLockLost();
    }
    return message;
  }

  complete(lockToken: string): void {
    this.remove(this.lockedMessage(lockToken));
  }

  abandon(lockToken: string, propertiesToModify?: Record<string, unknown>): void {
    const message = this.lockedMessage(lockToken);
    this.modify(message, propertiesToModify);
    this.releaseLock(message);
  }

  defer(lockToken: string, propertiesToModify?: Record<string, unknown>): void {
    const message = this.lockedMessage(lockToken);
    this.modify(message, propertiesToModify);
    this.unlock(message);
    if (message.state === 'active') this.store.setState(message, 'deferred');
  }

  deadLetterLocked(lockToken: string, details: DeadLetterDetails): void {
    const message = this.lockedMessage(lockToken);
    this.unlock(message);
    this.deadLetter(message, details);
  }

  renewLock(lockToken: string): number {
    const message = this.lockedMessage(lockToken);
    const session = this.sessionOf(message);
    if (session !== undefined) return session.lockedUntil;
    this.locks.renew(message, this.env.now() + this.settings.lockDurationMs);
    return message.lockedUntil;
  }

  // ---- sessions ------------------------------------------------------------------------------------------------

  /** Returns a session's unsettled messages and drops its lock (receiver closed, or lock expired). */
  releaseSession(lane: SessionLane): void {
    const unsettled = [...lane.lockedMessages];
    lane.lockedMessages.clear();
    this.sessions?.unlock(lane);
    for (const message of unsettled) {
      if (!message.removed && message.lockToken !== undefined) this.releaseLock(message);
    }
    this.sessions?.refresh(lane);
  }

  private onSessionLockExpired(lane: SessionLane): void {
    const holder: SessionHolder | undefined = lane.holder;
    this.releaseSession(lane);
    holder?.onSessionLockLost();
  }

  // ---- housekeeping --------------------------------------------------------------------------------------------

  /** Removes (or dead-letters) expired messages. Cheap when nothing can have expired yet. */
  sweepExpired(): void {
    const now = this.env.now();
    if (now < this.nextExpiryAt) return;
    let next = Number.POSITIVE_INFINITY;
    for (const message of [...this.store.bySequence.values()]) {
      if (message.state === 'scheduled' || message.lockToken !== undefined) continue;
      if (message.expiresAt <= now) this.expire(message);
      else if (message.expiresAt < next) next = message.expiresAt;
    }
    this.nextExpiryAt = next;
  }

  close(): void {
    this.pump.stop();
    this.locks.dispose();
    this.scheduleTimers.dispose();
    this.sessions?.dispose();
    this.consumers.length = 0;
  }

  // ---- internals -----------------------------------------------------------------------------------------------

  private unlock(message: StoredMessage): void {
    this.locks.unlock(message);
    if (message.sessionId !== undefined) this.sessions?.get(message.sessionId)?.lockedMessages.delete(message);
  }

  /**
   * After abandon, lock expiry or a dropped session: the message is delivered again, or dead-lettered once its
   * deliveries reached MaxDeliveryCount. A deferred message stays deferred.
   */
  private releaseLock(message: StoredMessage): void {
    this.unlock(message);
    if (message.state !== 'active') return;
    if (message.deliveryCount >= this.settings.maxDeliveryCount) {
      this.deadLetter(message, {
        reason: 'MaxDeliveryCountExceeded',
        description: `Message could not be consumed after ${this.settings.maxDeliveryCount} delivery attempts.`,
      });
      return;
    }
    this.makeReady(message);
  }

  private makeReady(message: StoredMessage): void {
    const session = message.sessionId === undefined ? undefined : this.sessions?.getOrCreate(message.sessionId);
    if (session !== undefined) {
      session.ready.add(message);
      this.sessions?.refresh(session);
      if (session.holder !== undefined) this.pump.request();
      return;
    }
    this.lane.add(message);
    if (this.consumers.length > 0) this.pump.request();
  }

  private modify(message: StoredMessage, propertiesToModify: Record<string, unknown> | undefined): void {
    if (propertiesToModify !== undefined) {
      this.store.setContent(message, withApplicationProperties(message.content, propertiesToModify));
    }
  }

  private expire(message: StoredMessage): void {
    if (!this.settings.deadLetteringOnMessageExpiration) {
      this.remove(message);
      return;
    }
    this.deadLetter(message, {
      reason: 'TTLExpiredException',
      description: 'The message expired and was dead lettered.',
    });
  }

  private deadLetter(message: StoredMessage, details: DeadLetterDetails): void {
    const deadLetterProperties: Record<string, unknown> = { ...details.propertiesToModify };
    if (details.reason !== undefined) deadLetterProperties['DeadLetterReason'] = details.reason;
    if (details.description !== undefined) deadLetterProperties['DeadLetterErrorDescription'] = details.description;
    const content = withApplicationProperties(message.content, deadLetterProperties);
    this.remove(message);
    if (this.env.forwardDeadLettered !== undefined) this.env.forwardDeadLettered(content, this.path);
    else this.deadLetterQueue?.acceptDeadLettered(message, content);
    // A dead-letter queue has none of its own: what it dead-letters is dropped, as in Service Bus.
  }

  private remove(message: StoredMessage): void {
    if (message.removed) return;
    const session = this.sessionOf(message);
    if (session === undefined) {
      this.lane.forget(message);
    } else {
      session.ready.forget(message);
      session.lockedMessages.delete(message);
      session.messageCount--;
    }
    this.locks.unlock(message);
    this.store.delete(message);
    if (session !== undefined) this.sessions?.refresh(session);
  }

  private sessionOf(message: StoredMessage): SessionLane | undefined {
    return message.sessionId === undefined ? undefined : this.sessions?.get(message.sessionId);
  }

  private activate(message: StoredMessage): void {
    if (message.removed || message.state !== 'scheduled') return;
    this.store.setState(message, 'active');
    message.enqueuedAt = this.env.now();
    message.expiresAt = Number.isFinite(message.ttlMs) ? message.enqueuedAt + message.ttlMs : Number.POSITIVE_INFINITY;
    this.trackExpiry(message);
    this.makeReady(message);
  }

  private trackExpiry(message: StoredMessage): void {
    if (message.expiresAt < this.nextExpiryAt) this.nextExpiryAt = message.expiresAt;
  }
}
