/**
 * How verify judges one document: the source's latest change-feed item (its version, and whether it is soft-deleted)
 * against what the target holds. Absent and tombstoned are the same to a reader, so a deleted source document that the
 * target does not hold, or holds as an older tombstone, matches.
 */
import { compareVersions, type EventVersion, type PartitionKeyValue } from '../../shared/events/envelope.js';
import type { HeldVersion } from '../../shared/targets/target.js';

export type Verdict = 'matching' | 'missing' | 'stale' | 'deletedButPresent' | 'targetNewer';
export type Difference = Exclude<Verdict, 'matching'> | 'extra';

export const DIFFERENCES: readonly Difference[] = [
  'missing',
  'stale',
  'deletedButPresent',
  'extra',
  'targetNewer',
] as const;

export interface SourceVersion {
  version: EventVersion;
  /** Soft-deleted per the source's softDelete setting. */
  deleted: boolean;
}

export function classify(source: SourceVersion, held: HeldVersion | undefined): Verdict {
  if (held === undefined) return source.deleted ? 'matching' : 'missing';
  const order = compareVersions(held.version, source.version);
  if (order > 0) return 'targetNewer';
  if (source.deleted) {
    if (held.deleted) return 'matching';
    // A live copy at the very version of the source's delete cannot come from this source's events.
    return order < 0 ? 'deletedButPresent' : 'targetNewer';
  }
  if (order < 0) return 'stale';
  // Same version: a tombstone where the source has a live document is not something its events can produce.
  return held.deleted ? 'targetNewer' : 'matching';
}

/** The key verify and the targets agree on within one source: partition key and id. */
export function keyOf(ref: { documentId: string; partitionKey: PartitionKeyValue }): string {
  return JSON.stringify([ref.partitionKey, ref.documentId]);
}
