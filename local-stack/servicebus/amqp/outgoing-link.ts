import type { Delivery, EventContext, Sender } from 'rhea';
import { BrokerError, brokerErrors } from '../broker/broker-error.js';
import type { MessageConsumer, ReceiveMode, SessionHolder } from '../broker/consumer.js';
import { lockTokenDeliveryTag } from '../broker/lock-token.js';
import type { BrokerLogger } from '../broker/logger.js';
import { errorFields } from '../broker/logger.js';
import type { MessageQueue } from '../broker/message-queue.js';
import type { SessionLane } from '../broker/session-directory.js';
import type { StoredMessage } from '../broker/stored-message.js';
import { encodeForReceiver } from './delivery-encoder.js';
import { toAmqpError } from './link-terminus.js';
import {
  describedOutcome,
  flushLink,
  linkCredit,
  outgoingCapacity,
  rejectedOutcome,
  settleSentDelivery,
} from './rhea-runtime.js';

const DEAD_LETTER_CONDITION = 'com.microsoft:dead-letter';

/**
 * A link a client receives messages on (an SDK receiver), for a queue, subscription or dead-letter queue, or for one
 * session of a session-enabled entity. Delivers within the link credit and turns the client's dispositions into
 * settlement: accepted = complete, modified = abandon (or defer when undeliverable-here), rejected = dead-letter,
 * released = abandon.
 */
export class OutgoingLink implements MessageConsumer, SessionHolder {
  readonly receiveMode: ReceiveMode;
  readonly linkName: string;
  session: SessionLane | undefined;
  private readonly lockTokens = new WeakMap<Delivery, string>();
  /** Transfers queued in rhea since it last wrote them (rhea updates the link credit only when it writes). */
  private unwritten = 0;
  private draining = false;
  private closed = false;
  private readonly releaseHooks: Array<() => void> = [];

  constructor(
    private readonly sender: Sender,
    readonly queue: MessageQueue,
    private readonly log: BrokerLogger,
  ) {
    this.linkName = sender.name;
    this.receiveMode = sender.snd_settle_mode === 1 ? 'receiveAndDelete' : 'peekLock';
    sender.on('sendable', () => queue.requestPump());
    sender.on('sender_flow', () => {
      this.draining = false;
      queue.requestPump();
    });
    sender.on('sender_draining', () => this.onDrainRequested());
    sender.on('accepted', (context: EventContext) => this.settle(context, (token) => queue.complete(token)));
    sender.on('released', (context: EventContext) => this.settle(context, (token) => queue.abandon(token)));
    sender.on('modified', (context: EventContext) =>
      this.settle(context, (token, state) => this.onModified(token, state)),
    );
    // Echoing a `rejected` outcome would hand the dead-letter "error" back, which the SDK would report as a failure.
    sender.on('rejected', (context: EventContext) =>
      this.settle(context, (token, state) => this.onRejected(token, state), rejectedOutcome()),
    );
  }

  get consumer(): MessageConsumer {
    return this;
  }

  /** True once the link is closed or forgotten: it delivers nothing more. */
  get released(): boolean {
    return this.closed;
  }

  /** Runs `hook` when the link is released (e.g. to stop waiting for a session on its behalf). */
  onRelease(hook: () => void): void {
    this.releaseHooks.push(hook);
  }

  credit(): number {
    if (this.closed || !this.sender.is_open()) return 0;
    return Math.max(0, Math.min(linkCredit(this.sender), outgoingCapacity(this.sender)) - this.unwritten);
  }

  deliver(message: StoredMessage): void {
    const peekLock = this.receiveMode === 'peekLock';
    const payload = encodeForReceiver(message, peekLock ? { lockedUntil: message.lockedUntil } : {});
    const tag =
      peekLock && message.lockToken !== undefined
        ? lockTokenDeliveryTag(message.lockToken)
        : Buffer.from(String(message.sequenceNumber));
    const delivery = this.sender.send(payload, tag, 0);
    if (peekLock && message.lockToken !== undefined) this.lockTokens.set(delivery, message.lockToken);
    // rhea writes queued transfers on process.nextTick, before this reset runs: from then on its credit is current.
    if (this.unwritten++ === 0) process.nextTick(() => (this.unwritten = 0));
  }

  onSessionLockLost(): void {
    this.close(brokerErrors.sessionLockLost(this.session?.sessionId));
  }

  /** Detaches the link (with an error, if given) and stops delivering to it. */
  close(error?: BrokerError): void {
    if (this.closed) return;
    this.release();
    if (this.sender.is_open())
      this.sender.close(error === undefined ? undefined : (toAmqpError(error) as Parameters<Sender['close']>[0]));
  }

  /** Forgets the link without detaching it (the peer detached, or the connection dropped). */
  release(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.removeConsumer(this);
    const session = this.session;
    if (session !== undefined && session.holder === this) this.queue.releaseSession(session);
    for (const hook of this.releaseHooks.splice(0)) {
      try {
        hook();
      } catch (error) {
        this.log.error('cleaning up a receiver link failed', { link: this.linkName, ...errorFields(error) });
      }
    }
  }

  /** A drain asks to use up or give back the remaining credit once nothing more can be sent. */
  private onDrainRequested(): void {
    this.draining = true;
    this.queue.requestPump();
    // Runs after the delivery round requested above: whatever credit is left then has nothing to carry.
    setImmediate(() => {
      if (!this.draining || this.closed) return;
      this.draining = false;
      try {
        if (this.credit() > 0) {
          this.sender.set_drained(true);
          flushLink(this.sender);
        }
      } catch (error) {
        this.log.error('answering a drain request failed', { link: this.linkName, ...errorFields(error) });
      }
    });
  }

  private settle(
    context: EventContext,
    apply: (lockToken: string, state: Record<string, unknown>) => void,
    successOutcome?: unknown,
  ): void {
    const delivery = context.delivery;
    if (delivery === undefined || this.receiveMode === 'receiveAndDelete') return;
    const lockToken = this.lockTokens.get(delivery);
    try {
      if (lockToken === undefined) throw brokerErrors.messageLockLost();
      apply(lockToken, (delivery.remote_state ?? {}) as Record<string, unknown>);
      // Settle with the outcome the client chose; a disposition without one is malformed to rhea's client side.
      settleSentDelivery(delivery, successOutcome ?? describedOutcome(delivery.remote_state));
    } catch (error) {
      if (!(error instanceof BrokerError))
        this.log.error('settling a message failed', { link: this.linkName, ...errorFields(error) });
      settleSentDelivery(delivery, rejectedOutcome(toAmqpError(error)));
    }
  }

  private onModified(lockToken: string, state: Record<string, unknown>): void {
    const properties = asMap(state['message_annotations']);
    if (state['undeliverable_here'] === true) this.queue.defer(lockToken, properties);
    else this.queue.abandon(lockToken, properties);
  }

  /** The SDK dead-letters with `rejected` carrying `com.microsoft:dead-letter` and the reason in the error info. */
  private onRejected(lockToken: string, state: Record<string, unknown>): void {
    const error = asMap(state['error']) ?? {};
    const info = { ...asMap(error['info']) };
    const reason = takeString(info, 'DeadLetterReason');
    const description = takeString(info, 'DeadLetterErrorDescription');
    if (error['condition'] !== undefined && error['condition'] !== DEAD_LETTER_CONDITION) {
      this.log.debug('a rejected delivery without the dead-letter condition is dead-lettered', {
        condition: error['condition'],
      });
    }
    this.queue.deadLetterLocked(lockToken, {
      reason:
        reason ??
        (typeof error['condition'] === 'string' && error['condition'] !== DEAD_LETTER_CONDITION
          ? error['condition']
          : undefined),
      description: description ?? (typeof error['description'] === 'string' ? error['description'] : undefined),
      propertiesToModify: Object.keys(info).length > 0 ? info : undefined,
    });
  }
}

function asMap(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !Buffer.isBuffer(value)
    ? (value as Record<string, unknown>)
    : undefined;
}

/** Removes a field from the error info and returns it when it is a string (the SDK sends null for "not given"). */
function takeString(info: Record<string, unknown>, key: string): string | undefined {
  const value = info[key];
  delete info[key];
  return typeof value === 'string' ? value : undefined;
}
