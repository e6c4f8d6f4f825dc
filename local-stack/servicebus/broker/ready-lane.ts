import { MinHeap } from './min-heap.js';
import type { StoredMessage } from './stored-message.js';

/**
 * Messages ready for delivery, oldest sequence number first, so an abandoned message goes out again before newer
 * ones, as in Service Bus. A queue has one lane; a session-enabled entity has one per session.
 * Entries can go stale (a ready message expired and was removed); `take` skips those.
 */
export class ReadyLane {
  private readonly heap = new MinHeap<StoredMessage>((a, b) => a.sequenceNumber < b.sequenceNumber);
  /** Ready messages in the lane, stale entries excluded. */
  private count = 0;

  get readyCount(): number {
    return this.count;
  }

  add(message: StoredMessage): void {
    if (message.inReadyLane) return;
    message.inReadyLane = true;
    this.heap.push(message);
    this.count++;
  }

  take(): StoredMessage | undefined {
    for (let message = this.heap.pop(); message !== undefined; message = this.heap.pop()) {
      message.inReadyLane = false;
      if (!message.removed) {
        this.count--;
        return message;
      }
    }
    return undefined;
  }

  /** Called when a ready message leaves the entity without being taken (expired). */
  forget(message: StoredMessage): void {
    if (message.inReadyLane && !message.removed) this.count--;
  }
}
