/**
 * The dead-letter queue of a target's subscription. Listing peeks (no lock, nothing changes); replay and purge
 * receive in peek-lock and settle each message only once what was asked is done, so an interrupted run leaves every
 * message it did not finish where it was.
 */
import type { ServiceBusClient, ServiceBusReceivedMessage, ServiceBusReceiver } from '@azure/service-bus';
import { sequenceNumberOf } from './deadletters-item.js';
import { serviceBusFailure, type ServiceBusPlace } from './deadletters-errors.js';

const PEEK_PAGE = 100;
/** How long one receive waits for a message: a queue that stays empty this long has nothing more to give. */
const RECEIVE_WAIT_MS = 5_000;

export type HandleBatch = (receiver: ServiceBusReceiver, messages: ServiceBusReceivedMessage[]) => Promise<void>;

export class DeadLetterQueue {
  constructor(
    private readonly client: ServiceBusClient,
    readonly place: ServiceBusPlace,
  ) {}

  private receiver(): ServiceBusReceiver {
    return this.client.createReceiver(this.place.topic, this.place.subscription, {
      subQueueType: 'deadLetter',
      receiveMode: 'peekLock',
      // Bodies stay bytes: parsed to objects, a replay would send them back as another kind of AMQP body.
      skipParsingBodyAsJson: true,
    });
  }

  /**
   * Every message, in sequence order, until `visit` returns false. Peeking neither locks nor counts a delivery. Once
   * per client: the SDK goes on where the client's last peek of the same entity stopped, and each command run opens a
   * client of its own (deadletters-stores.ts).
   */
  async peek(visit: (message: ServiceBusReceivedMessage) => boolean, signal?: AbortSignal): Promise<void> {
    const receiver = this.receiver();
    try {
      for (;;) {
        if (signal?.aborted) return;
        const page = await receiver.peekMessages(PEEK_PAGE, signal ? { abortSignal: signal } : {});
        if (page.length === 0) return;
        for (const message of page) if (!visit(message)) return;
      }
    } catch (error) {
      if (signal?.aborted) return;
      throw serviceBusFailure(error, this.place, 'peek the dead-letter queue');
    } finally {
      await receiver.close();
    }
  }

  /**
   * Receives in peek-lock and passes the messages whose sequence number is in `wanted` to `handle`, at most
   * `batchSize` at a time; `handle` settles each message it finished. Messages not wanted stay locked until the end
   * (so they are not received again) and are then abandoned, which counts a delivery on them. Stops once every
   * wanted message was handed over, when the queue gives nothing new, or when `signal` is aborted: never inside
   * `handle`, so what it sent is also settled. Returns the wanted sequence numbers it never saw.
   */
  async process(
    wanted: ReadonlySet<string>,
    batchSize: number,
    handle: HandleBatch,
    signal?: AbortSignal,
  ): Promise<Set<string>> {
    const pending = new Set(wanted);
    const seen = new Set<string>();
    const held: ServiceBusReceivedMessage[] = [];
    const receiver = this.receiver();
    try {
      while (pending.size > 0 && !signal?.aborted) {
        let batch: ServiceBusReceivedMessage[];
        try {
          batch = await receiver.receiveMessages(batchSize, {
            maxWaitTimeInMs: RECEIVE_WAIT_MS,
            ...(signal ? { abortSignal: signal } : {}),
          });
        } catch (error) {
          if (signal?.aborted) break;
          throw serviceBusFailure(error, this.place, 'receive from the dead-letter queue');
        }
        if (batch.length === 0) break;
        const chosen: ServiceBusReceivedMessage[] = [];
        let fresh = false;
        for (const message of batch) {
          const sequence = sequenceNumberOf(message);
          if (!seen.has(sequence)) fresh = true;
          seen.add(sequence);
          if (pending.delete(sequence)) chosen.push(message);
          else held.push(message);
        }
        if (signal?.aborted) {
          held.push(...chosen);
          chosen.forEach((message) => pending.add(sequenceNumberOf(message)));
          break;
        }
        if (chosen.length > 0) await handle(receiver, chosen);
        // Only messages seen before (their locks expired while held): nothing further in the queue to look at.
        else if (!fresh) break;
      }
    } finally {
      // Give back what was received but not handled; a lock already lost needs nothing.
      await Promise.allSettled(held.map((message) => receiver.abandonMessage(message)));
      await receiver.close();
    }
    return pending;
  }
}
