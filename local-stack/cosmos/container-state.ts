/**
 * The change history of one container, kept per physical partition (physical-partition.ts): each write goes to the
 * partition whose partition key range holds the EPK of the document's partition key, takes that partition's next LSN
 * and is appended to its log. A container starts with one range ("0", the whole EPK space) unless it was created with
 * several; ranges can be split at runtime (partition-split.ts). The latest-version feed is a partition's log filtered
 * down to the records that are still the current version of a live document; the all-versions feed is the log itself.
 */
import type { StoredDocument } from './base-server.js';
import { epkInRange, PhysicalPartition } from './physical-partition.js';
import type { PartitionKeyValues } from './partition-key.js';

export type ChangeOperation = 'create' | 'replace' | 'delete';

export interface ChangeRecord {
  /** From the sequence of the physical partition that took the write. */
  readonly lsn: number;
  /** Wall-clock time of the write, never decreasing along the log, so start-from-time can binary search. */
  readonly timeMs: number;
  readonly operation: ChangeOperation;
  /** The base store's _rid: stable across replaces, new when a deleted id is created again. */
  readonly rid: string;
  readonly id: string;
  readonly partitionKey: PartitionKeyValues;
  readonly partitionKeyJson: string;
  /** The effective partition key: which range the change belongs to, now and after any split. */
  readonly epk: string;
  /** The version written; absent for deletes. */
  readonly current?: StoredDocument;
  /** The record this one superseded (replaces and deletes). */
  readonly previous?: ChangeRecord;
  readonly timeToLiveExpired: boolean;
}

export type NewChange = Omit<ChangeRecord, 'lsn' | 'timeMs' | 'previous' | 'partitionKeyJson' | 'epk'>;

export interface Checkpoint {
  readonly partitions: readonly PhysicalPartition[];
  readonly positions: readonly { readonly lsn: number; readonly logLength: number }[];
  readonly lastTimeMs: number;
}

export class ContainerState {
  private lastTimeMs = 0;
  /** Ordered by minInclusive; together they cover the whole EPK space without gaps. */
  private partitionList: readonly PhysicalPartition[];
  /** The current version's record for each live document, keyed by _rid. */
  private readonly latest = new Map<string, ChangeRecord>();
  /** Grows with every split; the pkranges feed's etag. */
  private rangesVersion = 1;

  constructor(
    readonly databaseId: string,
    readonly containerId: string,
    readonly containerRid: string,
    /** The EPK of a partition key value, with the container's partition key definition. */
    readonly epkOf: (partitionKey: PartitionKeyValues) => string,
    partitions: readonly PhysicalPartition[],
  ) {
    this.partitionList = partitions;
  }

  get partitions(): readonly PhysicalPartition[] {
    return this.partitionList;
  }

  get partitionsVersion(): number {
    return this.rangesVersion;
  }

  /** The highest LSN of any partition; with one partition, simply the container's LSN. */
  get currentLsn(): number {
    return Math.max(...this.partitionList.map((partition) => partition.currentLsn));
  }

  partitionById(id: string): PhysicalPartition | undefined {
    return this.partitionList.find((partition) => partition.id === id);
  }

  partitionForEpk(epk: string): PhysicalPartition {
    const found = this.partitionList.find((partition) => epkInRange(epk, partition));
    // The ranges cover the whole space by construction, so a miss is a bug here, not bad input.
    if (!found) throw new Error(`no partition key range holds EPK ${epk}`);
    return found;
  }

  partitionForKey(partitionKey: PartitionKeyValues): PhysicalPartition {
    return this.partitionForEpk(this.epkOf(partitionKey));
  }

  append(change: NewChange): ChangeRecord {
    const epk = this.epkOf(change.partitionKey);
    const partition = this.partitionForEpk(epk);
    this.lastTimeMs = Math.max(this.lastTimeMs, Date.now());
    const previous = this.latest.get(change.rid);
    const record: ChangeRecord = {
      ...change,
      lsn: partition.nextLsn(),
      timeMs: this.lastTimeMs,
      partitionKeyJson: JSON.stringify(change.partitionKey),
      epk,
      ...(previous ? { previous } : {}),
    };
    partition.push(record);
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

  /** Swaps one partition for its children (partition-split.ts decides the children). */
  replacePartition(parent: PhysicalPartition, children: readonly PhysicalPartition[]): void {
    this.partitionList = this.partitionList
      .flatMap((partition) => (partition === parent ? children : [partition]))
      .sort((a, b) => (a.minInclusive < b.minInclusive ? -1 : 1));
    this.rangesVersion += 1;
  }

  checkpoint(): Checkpoint {
    return {
      partitions: this.partitionList,
      positions: this.partitionList.map((partition) => ({
        lsn: partition.currentLsn,
        logLength: partition.logLength,
      })),
      lastTimeMs: this.lastTimeMs,
    };
  }

  /**
   * Forgets every change after the checkpoint; only valid before anything after it was answered to a client. One
   * _rid's records all live in one partition, so undoing each partition newest-first restores `latest` exactly.
   */
  rollback(checkpoint: Checkpoint): void {
    if (checkpoint.partitions !== this.partitionList) {
      throw new Error('cannot roll back across a partition split');
    }
    this.partitionList.forEach((partition, index) => {
      const position = checkpoint.positions[index];
      if (!position) return;
      while (partition.logLength > position.logLength) {
        const record = partition.pop();
        if (!record) break;
        if (record.previous) this.latest.set(record.rid, record.previous);
        else this.latest.delete(record.rid);
      }
      partition.resetLsn(position.lsn);
    });
    this.lastTimeMs = checkpoint.lastTimeMs;
  }
}
