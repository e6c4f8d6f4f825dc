import type { StoredMessage } from './stored-message.js';

/** The messages one queue or subscription holds, by sequence number, with the counts Service Bus reports. */
export class MessageStore {
  readonly bySequence = new Map<number, StoredMessage>();
  private active = 0;
  private scheduled = 0;
  private bytes = 0;

  get size(): number {
    return this.bySequence.size;
  }
  get activeCount(): number {
    return this.active;
  }
  get scheduledCount(): number {
    return this.scheduled;
  }
  get sizeInBytes(): number {
    return this.bytes;
  }

  get(sequenceNumber: number): StoredMessage | undefined {
    return this.bySequence.get(sequenceNumber);
  }

  add(message: StoredMessage): void {
    this.bySequence.set(message.sequenceNumber, message);
    this.bytes += message.content.size;
    this.count(message, 1);
  }

  delete(message: StoredMessage): void {
    if (!this.bySequence.delete(message.sequenceNumber)) return;
    message.removed = true;
    this.bytes -= message.content.size;
    this.count(message, -1);
  }

  /** Changes a message's state keeping the counts right. */
  setState(message: StoredMessage, state: StoredMessage['state']): void {
    this.count(message, -1);
    message.state = state;
    this.count(message, 1);
  }

  /** Replaces a message's content (properties modified on abandon or defer), keeping the byte count right. */
  setContent(message: StoredMessage, content: StoredMessage['content']): void {
    this.bytes += content.size - message.content.size;
    message.content = content;
  }

  private count(message: StoredMessage, delta: number): void {
    if (message.state === 'active') this.active += delta;
    else if (message.state === 'scheduled') this.scheduled += delta;
  }
}
