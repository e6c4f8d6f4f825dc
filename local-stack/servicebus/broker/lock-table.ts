import { randomUUID } from 'node:crypto';
import { DeadlineScheduler } from './deadline-scheduler.js';
import type { StoredMessage } from './stored-message.js';

/**
 * Peek-locks of one entity, by lock token. Locks expire through one bucketed timer per entity, not one per message;
 * settling (the common case) cancels in O(1).
 */
export class LockTable {
  private readonly locked = new Map<string, StoredMessage>();
  private readonly timers: DeadlineScheduler<StoredMessage>;

  constructor(
    private readonly now: () => number,
    /** The lock of `message` ran out; it is still recorded as locked when this is called. */
    onExpired: (message: StoredMessage) => void,
    onError: (error: unknown) => void,
  ) {
    this.timers = new DeadlineScheduler((messages) => {
      for (const message of messages) {
        if (message.removed || message.lockToken === undefined) continue;
        // Renewed meanwhile, or the timer fired a moment early by the wall clock: wait for the real deadline.
        if (message.lockedUntil > this.now()) this.timers.schedule(message, message.lockedUntil);
        else onExpired(message);
      }
    }, onError);
  }

  get(lockToken: string): StoredMessage | undefined {
    return this.locked.get(lockToken);
  }

  /** `timed` is false for session messages: they live as long as their session's lock, which has its own timer. */
  lock(message: StoredMessage, lockedUntil: number, timed: boolean): void {
    const token = randomUUID();
    message.lockToken = token;
    message.lockedUntil = lockedUntil;
    this.locked.set(token, message);
    if (timed) this.timers.schedule(message, lockedUntil);
  }

  renew(message: StoredMessage, lockedUntil: number): void {
    message.lockedUntil = lockedUntil;
    this.timers.schedule(message, lockedUntil);
  }

  unlock(message: StoredMessage): void {
    if (message.lockToken !== undefined) this.locked.delete(message.lockToken);
    message.lockToken = undefined;
    message.lockedUntil = 0;
    this.timers.cancel(message);
  }

  dispose(): void {
    this.timers.dispose();
    this.locked.clear();
  }
}
