import type { MessageConsumer } from './consumer.js';
import type { ReadyLane } from './ready-lane.js';
import type { SessionLane } from './session-directory.js';
import type { StoredMessage } from './stored-message.js';

/** A lane of ready messages and the receivers that may take from it. */
export interface ServedLane {
  lane: ReadyLane;
  consumers: MessageConsumer[];
  /** Set for a session's lane: its messages are locked under the session lock. */
  session: SessionLane | undefined;
}

export interface PumpSource {
  lanesToServe(): Iterable<ServedLane>;
  /** The next deliverable message of the lane (expired ones are dealt with on the way). */
  take(lane: ReadyLane): StoredMessage | undefined;
  deliver(consumer: MessageConsumer, message: StoredMessage, session: SessionLane | undefined): void;
}

/**
 * Hands ready messages to receivers within their link credit, one message per receiver per round so competing
 * receivers share the load. Rounds run in a setImmediate, after rhea has written the transfers of the previous
 * round (it does so on process.nextTick) and so updated each link's credit.
 */
export class DeliveryPump {
  private scheduled = false;
  private stopped = false;
  private rotation = 0;

  constructor(
    private readonly source: PumpSource,
    private readonly onError: (error: unknown) => void,
  ) {}

  request(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    setImmediate(() => {
      this.scheduled = false;
      if (this.stopped) return;
      try {
        for (const served of this.source.lanesToServe()) this.serve(served);
      } catch (error) {
        this.onError(error);
      }
    });
  }

  stop(): void {
    this.stopped = true;
  }

  private serve({ lane, consumers, session }: ServedLane): void {
    const count = consumers.length;
    if (count === 0) return;
    let delivered = true;
    while (delivered && lane.readyCount > 0) {
      delivered = false;
      this.rotation = (this.rotation + 1) % count;
      for (let offset = 0; offset < count && lane.readyCount > 0; offset++) {
        const consumer = consumers[(this.rotation + offset) % count] as MessageConsumer;
        if (consumer.credit() <= 0) continue;
        const message = this.source.take(lane);
        if (message === undefined) return;
        this.source.deliver(consumer, message, session);
        delivered = true;
      }
    }
  }
}
