/**
 * What this process last wrote or read for each document of a target: its etag and version. With it a target can
 * write first and read only when it guessed wrong: a write conditional on the cached etag fails (412) if the item
 * changed meanwhile, and an event no newer than the cached version is stale without asking the store, because a
 * version-guarded target never goes back to an older version.
 */
import type { EventVersion } from '../events/envelope.js';

export interface KnownVersion {
  etag: string;
  version: EventVersion;
}

/** A bounded map, oldest entry dropped first; keys are whatever names a document in the target. */
export class KnownVersions {
  private readonly entries = new Map<string, KnownVersion>();

  constructor(private readonly capacity = 100_000) {}

  get(key: string): KnownVersion | undefined {
    return this.entries.get(key);
  }

  set(key: string, known: KnownVersion): void {
    this.entries.delete(key);
    this.entries.set(key, known);
    if (this.entries.size > this.capacity) this.entries.delete(this.entries.keys().next().value as string);
  }

  forget(key: string): void {
    this.entries.delete(key);
  }
}
