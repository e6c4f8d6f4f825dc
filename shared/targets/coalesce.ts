/**
 * Coalescing: several versions of one document in a batch collapse to the newest before anything is written, so a
 * target does one write per key per batch. The superseded events are still acknowledged: the newest version covers
 * them, and applying them later could only be a no-op under the version guard.
 */
import { compareVersions, documentKey, type ChangeEvent } from '../events/envelope.js';

export interface CoalescedBatch {
  /** The newest event per document key, in the order each key first appeared. */
  latest: ChangeEvent[];
  /** Event id of every superseded event mapped to the id of the event that replaced it. */
  superseded: Map<string, string>;
}

export function coalesce(events: readonly ChangeEvent[]): CoalescedBatch {
  const byKey = new Map<string, ChangeEvent>();
  const superseded = new Map<string, string>();
  for (const event of events) {
    const key = documentKey(event);
    const held = byKey.get(key);
    if (!held) {
      byKey.set(key, event);
      continue;
    }
    // The same event delivered twice is one event: recording it as superseding itself would make a cycle.
    if (held.eventId === event.eventId) continue;
    // Ties keep the event already held: equal versions are the same change delivered twice.
    if (compareVersions(event.version, held.version) > 0) {
      superseded.set(held.eventId, event.eventId);
      byKey.set(key, event);
    } else {
      superseded.set(event.eventId, held.eventId);
    }
  }
  // A chain a -> b -> c must resolve to c, so that a superseded id always names an event that is applied.
  for (const [from, to] of superseded) {
    let final = to;
    while (superseded.has(final)) final = superseded.get(final) as string;
    superseded.set(from, final);
  }
  return { latest: [...byKey.values()], superseded };
}

/** The version guard every target applies, in one place: write only when strictly newer than what is held. */
export function isNewer(incoming: ChangeEvent['version'], held: ChangeEvent['version'] | undefined): boolean {
  return held === undefined || compareVersions(incoming, held) > 0;
}
