/**
 * The change history of one container: a per-container LSN that every write advances by one, and an append-only log of
 * every version (creates, replaces, deletes) in LSN order. The latest-version feed is this log filtered down to the
 * records that are still the current version of a live document; the all-versions feed is the log itself.
 */
import type { StoredDocument } from './base-server.js';
import type { PartitionKeyValues } from './partition-key.js';

export type ChangeOperation = 'create' | 'replace' | 'delete';

export interface ChangeRecord {
  readonly lsn: number;
  /** Wall-clock time of the write, never decreasing along the log, so start-from-time can binary search. */
  readonly timeMs: number;
  readonly operation: ChangeOperation;
  /** The base store's _rid: stable across replaces, new when a deleted id is created again. */
  readonly rid: string;
  readonly id: string;
  readonly partitionKey: PartitionKeyValues;
  readonly partitionKeyJson: string;
  /** The version written; absent for deletes. */
  readonly current?: StoredDocument;
  /** The record this one superseded (replaces and deletes). */
  readonly previous?: ChangeRecord;
  readonly timeToLiveExpired: boolean;
}

export type NewChange = Omit<ChangeRecord, 'lsn' | 'timeMs' | 'previous' | 'partitionKeyJson'>;

export interface Checkpoint {
  readonly lsn: number;
  readonly logLength: number;
  readonly lastTimeMs: number;
}

export class ContainerState {
  private lsn = 0;
  private lastTimeMs = 0;
  private readonly log: ChangeRecord[] = [];
  /** The current version's record for each live document, keyed by _rid. */
  private readonly latest = new Map<string, ChangeRecord>();

  constructor(
    readonly databaseId: string,
    readonly containerId: string,
    readonly containerRid: string,
  ) {}

  get currentLsn(): number {
    return this.lsn;
  }

  append(change: NewChange): ChangeRecord {
    this.lsn += 1;
    this.lastTimeMs = Math.max(this.lastTimeMs, Date.now());
    const previous = this.latest.get(change.rid);
    const record: ChangeRecord = {
      ...change,
      lsn: this.lsn,
      timeMs: this.lastTimeMs,
      partitionKeyJson: JSON.stringify(change.partitionKey),
      ...(previous ? { previous } : {}),
    };
    this.log.push(record);
    if (change.operation === 'delete') this.latest.delete(change.rid);
    else this.latest.set(change.rid, record);
    return record;
  }

  latestFor(rid: string): ChangeRecord | undefined {
    return this.latest.get(rid);
  }

  isLatest(record: ChangeRecord): boolean {
    return this.latest.get(record.rid) === record;
  }

  liveRecords(): IterableIterator<ChangeRecord> {
    return this.latest.values();
  }

  /** Index of the first record with an LSN above `lsn`. */
  indexAfterLsn(lsn: number): number {
    return this.lowerBound((record) => record.lsn > lsn);
  }

  /** The LSN just before the first change written at or after `timeMs`; the current LSN when there is none. */
  lsnBeforeTime(timeMs: number): number {
    const index = this.lowerBound((record) => record.timeMs >= timeMs);
    const record = this.log[index];
    return record ? record.lsn - 1 : this.lsn;
  }

  recordAt(index: number): ChangeRecord | undefined {
    return this.log[index];
  }

  checkpoint(): Checkpoint {
    return { lsn: this.lsn, logLength: this.log.length, lastTimeMs: this.lastTimeMs };
  }

  /** Forgets every change after the checkpoint; only valid before anything after it was answered to a client. */
  rollback(checkpoint: Checkpoint): void {
    while (this.log.length > checkpoint.logLength) {
      const record = this.log.pop();
      if (!record) break;
      if (record.previous) this.latest.set(record.rid, record.previous);
      else this.latest.delete(record.rid);
    }
    this.lsn = checkpoint.lsn;
    this.lastTimeMs = checkpoint.lastTimeMs;
  }

  private lowerBound(isAtOrPast: (record: ChangeRecord) => boolean): number {
    let low = 0;
    let high = this.log.length;
    while (low < high) {
      const middle = (low + high) >>> 1;
      const record = this.log[middle];
      if (record && isAtOrPast(record)) high = middle;
      else low = middle + 1;
    }
    return low;
  }
}
