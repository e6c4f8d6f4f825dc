/**
 * A receiver's messages, received the way the Functions host's .NET receiver does (`ReceiveMessagesAsync`): up to
 * `max` messages, waiting up to a maximum time for the first, then at most `BATCH_FLUSH_MS` for more (the .NET SDK's
 * batch wait); credit the link was given stays on it between receives, so messages published while the function runs
 * are already there for the next receive (and their locks are already running, as with the .NET link's credit).
 *
 * This sits on the JS SDK's streaming receiver rather than on `receiveMessages`, because in @azure/service-bus
 * 7.9.5 a `receiveMessages` that does not fill up waits a fixed second after its first message and then drains the
 * link; a drain the SDK does not see answered within 200 ms (locally the event loop is shared with the functions, so
 * a busy batch is enough) makes it close the link, which for a session loses the session lock and with it the
 * batch's settlement. The streaming receiver never drains while receiving: every message it delivers is held here
 * until a receive hands it out, and its credit goes back to the link at the next receive, so at most `credit`
 * messages wait here.
 */
import type { ServiceBusReceivedMessage, ServiceBusReceiver } from '@azure/service-bus';

/** How long a receive waits for more once it has a message: the .NET SDK's batch wait (AmqpReceiver). */
export const BATCH_FLUSH_MS = 20;

interface Held {
  message: ServiceBusReceivedMessage;
  /** Ends the SDK's handler for this message, which gives its credit back to the link. */
  release: () => void;
}

export class Inbox {
  readonly #waiting: Held[] = [];
  #handedOut: Held[] = [];
  #firstWaitingSince = 0;
  #failure: { error: unknown } | undefined;
  #wake: (() => void) | undefined;
  readonly #subscription: { close(): Promise<void> };

  constructor(receiver: Pick<ServiceBusReceiver, 'subscribe'>, credit: number) {
    this.#subscription = receiver.subscribe(
      {
        processMessage: (message) =>
          new Promise<void>((release) => {
            if (this.#waiting.length === 0) this.#firstWaitingSince = performance.now();
            this.#waiting.push({ message, release });
            this.#wake?.();
          }),
        processError: async ({ error }) => {
          // A session receiver does not recover (the SDK does not re-attach session links): the session is over.
          // A plain receiver's link does recover, but the loop closes and replaces it, as after any receive error.
          this.#failure ??= { error };
          this.#wake?.();
        },
      },
      { autoCompleteMessages: false, maxConcurrentCalls: credit },
    );
  }

  /**
   * Up to `max` messages in arrival order: waits up to `maxWaitMs` for the first, then up to `BATCH_FLUSH_MS` after
   * it for the rest. Empty when none came in time or `signal` aborted; throws once the link failed.
   */
  async receive(max: number, maxWaitMs: number, signal: AbortSignal): Promise<ServiceBusReceivedMessage[]> {
    this.#giveCreditBack();
    if (this.#waiting.length === 0) await this.#until(() => this.#waiting.length > 0, maxWaitMs, signal);
    if (this.#waiting.length > 0 && this.#waiting.length < max) {
      const flushAt = this.#firstWaitingSince + BATCH_FLUSH_MS;
      await this.#until(() => this.#waiting.length >= max, flushAt - performance.now(), signal);
    }
    if (this.#failure) throw this.#failure.error;
    if (signal.aborted) return [];
    this.#handedOut = this.#waiting.splice(0, max);
    if (this.#waiting.length > 0) this.#firstWaitingSince = performance.now();
    return this.#handedOut.map((held) => held.message);
  }

  /**
   * Stops receiving. Messages still waiting here were never handed out: they stay locked until the receiver is
   * closed (a session's) or their locks expire (a plain receiver's), and then go back to the entity.
   */
  async close(): Promise<void> {
    this.#giveCreditBack();
    await this.#subscription.close();
    for (const held of this.#waiting.splice(0)) held.release();
  }

  #giveCreditBack(): void {
    for (const held of this.#handedOut) held.release();
    this.#handedOut = [];
  }

  /** Resolves once `done()` holds, `ms` passed, the link failed or `signal` aborted, whichever comes first. */
  #until(done: () => boolean, ms: number, signal: AbortSignal): Promise<void> {
    if (done() || this.#failure || signal.aborted || ms <= 0) return Promise.resolve();
    return new Promise((resolve) => {
      const finish = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', finish);
        this.#wake = undefined;
        resolve();
      };
      const timer = setTimeout(finish, ms);
      signal.addEventListener('abort', finish, { once: true });
      this.#wake = () => {
        if (done() || this.#failure) finish();
      };
    });
  }
}
