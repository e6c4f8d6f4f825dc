/**
 * The state of one (target, session) row as the app sees it, and the pure step that folds a batch summary into it.
 * Storage shape and parsing live in `entity.ts`.
 */
import type { BatchSummary } from '../subscribe/batch-summary.js';
import {
  ENQUEUE_LAG_BUCKET_BOUNDS,
  emptyHistogram,
  LAG_BUCKET_BOUNDS,
  mergeHistograms,
  observe,
  type LagHistogram,
} from './histogram.js';

/** Cumulative counters; every one only grows. */
export const COUNTER_NAMES = [
  'batches',
  'received',
  'applied',
  'stale',
  'superseded',
  'ignored',
  'deadLettered',
] as const;
export type CounterName = (typeof COUNTER_NAMES)[number];
export type Counters = Record<CounterName, number>;

/** The newest applied event: where the target stands. */
export interface Checkpoint {
  eventId: string;
  source: string;
  lsn: number;
  /** The source document's `_ts`, seconds since the epoch. */
  ts: number;
  /** When the batch that applied it finished. */
  appliedAt: Date;
}

/**
 * Transient: retrying may fix it (a target retry, an abandoned batch that Service Bus redelivers). Permanent: the
 * message can never be applied as it is (invalid, rejected by the target, set aside as poison).
 */
export type ErrorClass = 'transient' | 'permanent';
export type ErrorsByClass = Record<ErrorClass, number>;

/** The most recent error a target saw, for operators: what, why, how bad and when. */
export interface LastError {
  code: string;
  /** At most `MAX_ERROR_MESSAGE` (500) characters: `countError` truncates it. */
  message: string;
  class: ErrorClass;
  /** When the batch that saw it finished. */
  at: Date;
}

/** Everything counted for a target (one row, or all rows of a target summed). */
export interface Totals {
  counters: Counters;
  /** Error occurrences by stable code; they add up to the sum of `errorsByClass` (for rows written since both exist). */
  errorsByCode: Record<string, number>;
  errorsByClass: ErrorsByClass;
  /** Seconds from the source write (`_ts`) to applied, `LAG_BUCKET_BOUNDS`. */
  lag: LagHistogram;
  /** Seconds from the Service Bus enqueue time to applied, `ENQUEUE_LAG_BUCKET_BOUNDS`. */
  enqueueLag: LagHistogram;
}

export interface StateRow extends Totals {
  checkpoint: Checkpoint | undefined;
  /** When the last recorded batch finished. */
  lastBatchAt: Date | undefined;
  lastError: LastError | undefined;
}

export function zeroCounters(): Counters {
  return Object.fromEntries(COUNTER_NAMES.map((name) => [name, 0])) as Counters;
}

export function emptyTotals(): Totals {
  return {
    counters: zeroCounters(),
    errorsByCode: {},
    errorsByClass: { transient: 0, permanent: 0 },
    lag: emptyHistogram(LAG_BUCKET_BOUNDS),
    enqueueLag: emptyHistogram(ENQUEUE_LAG_BUCKET_BOUNDS),
  };
}

export function emptyRow(): StateRow {
  return { ...emptyTotals(), checkpoint: undefined, lastBatchAt: undefined, lastError: undefined };
}

export function addCounts(a: Record<string, number>, b: Record<string, number>): Record<string, number> {
  const sum = { ...a };
  for (const [key, count] of Object.entries(b)) sum[key] = (sum[key] ?? 0) + count;
  return sum;
}

export function addTotals(a: Totals, b: Totals): Totals {
  return {
    counters: addCounts(a.counters, b.counters) as Counters,
    errorsByCode: addCounts(a.errorsByCode, b.errorsByCode),
    errorsByClass: addCounts(a.errorsByClass, b.errorsByClass) as ErrorsByClass,
    lag: mergeHistograms(a.lag, b.lag),
    enqueueLag: mergeHistograms(a.enqueueLag, b.enqueueLag),
  };
}

/**
 * The newer of two checkpoints by source time, then LSN. Across sources LSNs are unrelated, but `_ts` is comparable
 * and lag is measured from it, so time decides first.
 */
export function newerCheckpoint(a: Checkpoint | undefined, b: Checkpoint | undefined): Checkpoint | undefined {
  if (!a || !b) return a ?? b;
  if (b.ts !== a.ts) return b.ts > a.ts ? b : a;
  return b.lsn > a.lsn ? b : a;
}

const later = (a: Date | undefined, b: Date | undefined): Date | undefined =>
  !a || !b ? (a ?? b) : a.getTime() >= b.getTime() ? a : b;

/** The newer of two last errors; on a tie the second (the one recorded later) wins. */
export function newerError(a: LastError | undefined, b: LastError | undefined): LastError | undefined {
  if (!a || !b) return b ?? a;
  return b.at.getTime() >= a.at.getTime() ? b : a;
}

/** The row after `summary`, leaving `row` untouched so a failed write leaves nothing half-applied. */
export function applySummary(row: StateRow, summary: BatchSummary): StateRow {
  const counters: Counters = { ...row.counters, batches: row.counters.batches + 1 };
  for (const name of COUNTER_NAMES) if (name !== 'batches') counters[name] += summary[name];
  const applied = summary.lastApplied && { ...summary.lastApplied, appliedAt: summary.finishedAt };
  const error = summary.lastError && { ...summary.lastError, at: summary.finishedAt };
  return {
    counters,
    errorsByCode: addCounts(row.errorsByCode, summary.errorsByCode),
    errorsByClass: addCounts(row.errorsByClass, summary.errorsByClass) as ErrorsByClass,
    lag: observe(row.lag, summary.lagSeconds),
    enqueueLag: observe(row.enqueueLag, summary.enqueueLagSeconds),
    checkpoint: newerCheckpoint(row.checkpoint, applied),
    lastBatchAt: later(row.lastBatchAt, summary.finishedAt),
    lastError: newerError(row.lastError, error),
  };
}

export function combineRows(a: StateRow, b: StateRow): StateRow {
  return {
    ...addTotals(a, b),
    checkpoint: newerCheckpoint(a.checkpoint, b.checkpoint),
    lastBatchAt: later(a.lastBatchAt, b.lastBatchAt),
    lastError: newerError(a.lastError, b.lastError),
  };
}
