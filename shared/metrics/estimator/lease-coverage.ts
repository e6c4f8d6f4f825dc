/**
 * Which part of the change feed each lease stands for, given the container's current partition key ranges. Pure, so
 * the split cases are tested without a server.
 *
 * Normally every lease covers exactly one current range (or an EPK part of one). A split changes that for a while:
 * 1. the parent range is retired and two child ranges replace it, while the trigger still holds the parent lease: the
 *    lease spans several current ranges and is read range by range from its continuation (the children continue the
 *    parent's LSN sequence, so the parent's continuation means the same point in either child);
 * 2. the trigger creates child leases with the parent's continuation and then deletes the parent: while both exist the
 *    children are what the trigger reads next, so the parent counts only for the part no child lease covers yet.
 * Counting a change under two leases would double the estimate exactly when a container grows, so overlap is resolved
 * here, once, before anything is read.
 */

export interface EpkRange {
  min: string;
  max: string;
}

/** A current partition key range, as `readPartitionKeyRanges` returns it. */
export interface PartitionRange extends EpkRange {
  id: string;
  /** Ancestor range ids, oldest first (what the service lists for the children of splits). */
  parents: readonly string[];
}

/** The lease fields coverage needs. */
export interface LeaseRangeInput {
  id: string;
  leaseToken: string;
  /** The lease's FeedRange; undefined for leases of older hosts, which are resolved by lease token. */
  range: EpkRange | undefined;
}

/** A piece of a lease's range inside one current partition key range: one change-feed read. */
export interface LeasePart extends EpkRange {
  rangeId: string;
}

export type LeaseCoverage =
  | {
      kind: 'read';
      range: EpkRange;
      parts: LeasePart[];
      /** The lease spans several ranges, or child leases already took part of it: a split is under way. */
      splitting: boolean;
    }
  /** Child leases cover the whole range: they carry its pending changes, and the trigger is about to delete it. */
  | { kind: 'superseded'; range: EpkRange; coveredBy: string[] }
  /** No FeedRange, and the lease token is neither a current range nor the parent of current ranges. */
  | { kind: 'unknown' };

export interface CoveragePlan {
  byLease: Map<string, LeaseCoverage>;
  /** Pairs of leases whose ranges overlap without one containing the other (or are equal): both are counted. */
  overlaps: [string, string][];
}

const contains = (outer: EpkRange, inner: EpkRange): boolean => outer.min <= inner.min && inner.max <= outer.max;
const intersects = (a: EpkRange, b: EpkRange): boolean => a.min < b.max && b.min < a.max;
const equal = (a: EpkRange, b: EpkRange): boolean => a.min === b.min && a.max === b.max;

/**
 * A lease's range: its FeedRange; else the current range named by its token; else, for a token that was split, the
 * union of the current ranges descended from it (their `parents` name it).
 */
export function resolveLeaseRange(lease: LeaseRangeInput, ranges: readonly PartitionRange[]): EpkRange | undefined {
  if (lease.range) return lease.range;
  const current = ranges.find((range) => range.id === lease.leaseToken);
  if (current) return { min: current.min, max: current.max };
  const children = ranges.filter((range) => range.parents.includes(lease.leaseToken));
  if (children.length === 0) return undefined;
  return {
    min: children.reduce((min, range) => (range.min < min ? range.min : min), children[0]?.min ?? ''),
    max: children.reduce((max, range) => (range.max > max ? range.max : max), children[0]?.max ?? ''),
  };
}

/** `range` minus the union of `holes`, as ordered, non-empty intervals. */
export function subtractRanges(range: EpkRange, holes: readonly EpkRange[]): EpkRange[] {
  const left: EpkRange[] = [];
  let from = range.min;
  for (const hole of [...holes].sort((a, b) => (a.min < b.min ? -1 : a.min > b.min ? 1 : 0))) {
    if (hole.max <= from) continue;
    if (hole.min >= range.max) break;
    if (hole.min > from) left.push({ min: from, max: hole.min });
    if (hole.max > from) from = hole.max;
  }
  if (from < range.max) left.push({ min: from, max: range.max });
  return left;
}

/** The pieces of `intervals` inside each current range, in EPK order. */
export function partsOf(intervals: readonly EpkRange[], ranges: readonly PartitionRange[]): LeasePart[] {
  const ordered = [...ranges].sort((a, b) => (a.min < b.min ? -1 : a.min > b.min ? 1 : 0));
  return intervals.flatMap((interval) =>
    ordered
      .filter((range) => intersects(range, interval))
      .map((range) => ({
        rangeId: range.id,
        min: interval.min > range.min ? interval.min : range.min,
        max: interval.max < range.max ? interval.max : range.max,
      })),
  );
}

export function planCoverage(leases: readonly LeaseRangeInput[], ranges: readonly PartitionRange[]): CoveragePlan {
  const resolved = leases.map((lease) => ({ lease, range: resolveLeaseRange(lease, ranges) }));
  const byLease = new Map<string, LeaseCoverage>();
  const overlaps: [string, string][] = [];
  for (const [index, { lease, range }] of resolved.entries()) {
    if (!range) {
      byLease.set(lease.id, { kind: 'unknown' });
      continue;
    }
    const inner: { lease: LeaseRangeInput; range: EpkRange }[] = [];
    for (const [otherIndex, other] of resolved.entries()) {
      if (otherIndex === index || !other.range || !intersects(range, other.range)) continue;
      if (!equal(range, other.range) && contains(range, other.range)) inner.push({ ...other, range: other.range });
      else if (!contains(other.range, range) || equal(range, other.range)) {
        if (index < otherIndex) overlaps.push([lease.id, other.lease.id]);
      }
    }
    const left = subtractRanges(
      range,
      inner.map((child) => child.range),
    );
    if (left.length === 0) {
      byLease.set(lease.id, { kind: 'superseded', range, coveredBy: inner.map((child) => child.lease.leaseToken) });
      continue;
    }
    const parts = partsOf(left, ranges);
    if (parts.length === 0) {
      byLease.set(lease.id, { kind: 'unknown' });
      continue;
    }
    byLease.set(lease.id, { kind: 'read', range, parts, splitting: inner.length > 0 || parts.length > 1 });
  }
  return { byLease, overlaps };
}
