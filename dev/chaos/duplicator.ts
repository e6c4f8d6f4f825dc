/**
 * Duplicated and reordered deliveries. The duplicator peeks at each target's subscription (peeking neither locks nor
 * settles, so the app's own deliveries are untouched) and sends a copy of some of the messages it sees back to that
 * subscription alone, a few seconds later: by then newer versions of the same document have usually been applied, so
 * the copy arrives both twice and out of order. A copy keeps the body, session and properties, and gets its own
 * message id so the topic's duplicate detection does not drop it; it carries `replayTo` (the subscription rules route
 * on it) but not `replayKind`, so the subscriber treats it as an ordinary delivery, as it would a redelivery.
 */
import type { ServiceBusClient, ServiceBusReceivedMessage, ServiceBusReceiver } from '@azure/service-bus';
import { REPLAY_KIND_PROPERTY, REPLAY_TO_PROPERTY } from '../../shared/events/replay.js';
import { messageOf } from '../../shared/errors.js';
import type { Random } from './random.js';

export interface Duplicator {
  /** Copies sent, per subscription. */
  readonly sent: Record<string, number>;
  /** Stops peeking and resolves once every copy already scheduled was sent. */
  stop(): Promise<void>;
}

export interface DuplicatorOptions {
  topic: string;
  subscriptions: readonly string[];
  random: Random;
  /** Share of the peeked messages that get a copy. */
  share: number;
  /** A copy is sent this long after its original was seen. */
  delayMs: { min: number; max: number };
  log: (message: string) => void;
}

const PEEK_INTERVAL_MS = 500;
const PEEK_BATCH = 100;

function isCopyable(message: ServiceBusReceivedMessage): boolean {
  const properties = message.applicationProperties ?? {};
  const id = String(message.messageId ?? '');
  // Only the app's live events: not our own copies, not operator replays, not the poison messages.
  return properties[REPLAY_TO_PROPERTY] === undefined && !id.startsWith('chaos-');
}

export function startDuplicator(client: ServiceBusClient, options: DuplicatorOptions): Duplicator {
  const sender = client.createSender(options.topic);
  const sent: Record<string, number> = Object.fromEntries(options.subscriptions.map((name) => [name, 0]));
  const pending = new Set<Promise<void>>();
  let stopping = false;
  let failures = 0;

  const copy = (subscription: string, original: ServiceBusReceivedMessage): Promise<void> => {
    const properties = { ...(original.applicationProperties ?? {}) };
    delete properties[REPLAY_KIND_PROPERTY];
    return sender.sendMessages({
      body: original.body as unknown,
      contentType: original.contentType,
      sessionId: original.sessionId,
      subject: original.subject,
      correlationId: original.correlationId,
      messageId: `chaos-dup-${subscription}-${String(original.sequenceNumber)}`,
      applicationProperties: { ...properties, [REPLAY_TO_PROPERTY]: subscription },
    });
  };

  const schedule = (subscription: string, original: ServiceBusReceivedMessage): void => {
    const delay = options.random.int(options.delayMs.min, options.delayMs.max);
    const done: Promise<void> = new Promise<void>((resolve) => setTimeout(resolve, delay))
      .then(() => copy(subscription, original))
      .then(
        () => {
          sent[subscription] = (sent[subscription] ?? 0) + 1;
        },
        (error: unknown) => {
          failures += 1;
          if (failures <= 3) options.log(`duplicating a message to ${subscription} failed: ${messageOf(error)}`);
        },
      )
      .finally(() => pending.delete(done));
    pending.add(done);
  };

  const watch = async (subscription: string): Promise<void> => {
    const receiver: ServiceBusReceiver = client.createReceiver(options.topic, subscription);
    try {
      while (!stopping) {
        try {
          // Each peek continues after the last message this receiver peeked.
          for (const message of await receiver.peekMessages(PEEK_BATCH)) {
            if (isCopyable(message) && options.random.next() < options.share) schedule(subscription, message);
          }
        } catch (error) {
          options.log(`peeking at ${subscription} failed: ${messageOf(error)}`);
        }
        await new Promise((resolve) => setTimeout(resolve, PEEK_INTERVAL_MS));
      }
    } finally {
      await receiver.close();
    }
  };

  const watchers = options.subscriptions.map((subscription) => watch(subscription));
  return {
    sent,
    stop: async () => {
      stopping = true;
      await Promise.all(watchers);
      while (pending.size > 0) await Promise.all([...pending]);
      await sender.close();
    },
  };
}
