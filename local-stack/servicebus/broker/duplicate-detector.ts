import { messageIdKey } from './message-content.js';

/**
 * Remembers message ids for the entity's DuplicateDetectionHistoryTimeWindow. The window is the same for every id,
 * so insertion order is expiry order and eviction only ever looks at the oldest entries.
 */
export class DuplicateDetector {
  private readonly expiries = new Map<string, number>();

  constructor(private readonly windowMs: number) {}

  /** True when the id was seen within the window; otherwise records it. Messages without an id are never duplicates. */
  isDuplicate(messageId: unknown, now: number): boolean {
    for (const [key, expiresAt] of this.expiries) {
      if (expiresAt > now) break;
      this.expiries.delete(key);
    }
    const key = messageIdKey(messageId);
    if (key === undefined) return false;
    if (this.expiries.has(key)) return true;
    this.expiries.set(key, now + this.windowMs);
    return false;
  }
}
