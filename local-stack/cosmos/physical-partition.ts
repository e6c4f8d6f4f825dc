/**
 * One physical partition of a container: a partition key range (an EPK interval and its id), its own LSN sequence,
 * and the change history of its EPK interval in LSN order. A split hands each child the part of its parent's history
 * that falls in the child's interval and the parent's current LSN, so a document's `_lsn` keeps growing across the
 * split and a continuation (an LSN) taken from the parent means the same point in either child, as in the service.
 */
import type { ChangeRecord } from './container-state.js';

export interface RangeBounds {
  readonly minInclusive: string;
  readonly maxExclusive: string;
}

/** EPKs compare as strings: uppercase hex, `""` lowest and `"FF"` above every hash (the SDK's routing map does too). */
export function epkInRange(epk: string, range: RangeBounds): boolean {
  return epk >= range.minInclusive && epk < range.maxExclusive;
}

export class PhysicalPartition implements RangeBounds {
  private lsnValue: number;
  /** The pkranges `_ts`: when this range came to be. */
  readonly createdAtSeconds = Math.floor(Date.now() / 1000);

  constructor(
    readonly id: string,
    readonly minInclusive: string,
    readonly maxExclusive: string,
    /** Ids of the ranges this one was split from, oldest first (the pkranges `parents` field). */
    readonly parents: readonly string[],
    startLsn: number,
    /** This interval's history; inherited records keep their parent's LSNs. */
    private readonly log: ChangeRecord[],
  ) {
    this.lsnValue = startLsn;
  }

  get currentLsn(): number {
    return this.lsnValue;
  }

  get logLength(): number {
    return this.log.length;
  }

  nextLsn(): number {
    this.lsnValue += 1;
    return this.lsnValue;
  }

  push(record: ChangeRecord): void {
    this.log.push(record);
  }

  /** Removes and returns the newest record (rolling back a failed transactional batch). */
  pop(): ChangeRecord | undefined {
    return this.log.pop();
  }

  resetLsn(lsn: number): void {
    this.lsnValue = lsn;
  }

  recordAt(index: number): ChangeRecord | undefined {
    return this.log[index];
  }

  /** Index of the first record with an LSN above `lsn`. */
  indexAfterLsn(lsn: number): number {
    return this.lowerBound((record) => record.lsn > lsn);
  }

  /** The LSN just before the first change written at or after `timeMs`; the current LSN when there is none. */
  lsnBeforeTime(timeMs: number): number {
    const record = this.log[this.lowerBound((candidate) => candidate.timeMs >= timeMs)];
    return record ? record.lsn - 1 : this.lsnValue;
  }

  /** The child covering `bounds`: this partition's history in that interval, continuing from this LSN. */
  child(id: string, bounds: RangeBounds): PhysicalPartition {
    const inherited = this.log.filter((record) => epkInRange(record.epk, bounds));
    return new PhysicalPartition(
      id,
      bounds.minInclusive,
      bounds.maxExclusive,
      [...this.parents, this.id],
      this.lsnValue,
      inherited,
    );
  }

  /** Distinct EPKs of this partition's history, ascending: where a split can cut so that both halves hold data. */
  distinctEpks(): string[] {
    return [...new Set(this.log.map((record) => record.epk))].sort();
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
