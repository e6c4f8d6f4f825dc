/**
 * One target's metrics at one moment, computed purely from its state and the previous snapshot: freshness lag, what
 * happened since the previous run, latency percentiles for that interval, and the last error.
 */
import { histogramCount, histogramDelta, quantile, type LagHistogram } from '../state/histogram.js';
import {
  COUNTER_NAMES,
  type Checkpoint,
  type Counters,
  type ErrorsByClass,
  type LastError,
  type StateRow,
  type Totals,
} from '../state/row.js';

export interface LatencySummary {
  /** Events applied in the interval (one value each). */
  count: number;
  /**
   * Seconds from source write (or Service Bus enqueue) to applied; undefined when nothing was applied. Percentiles
   * are bucket estimates.
   */
  meanSeconds: number | undefined;
  p50Seconds: number | undefined;
  p95Seconds: number | undefined;
  p99Seconds: number | undefined;
}

export interface IntervalMetrics {
  /** Seconds since the previous snapshot; undefined for a target's first snapshot, which counts from zero. */
  seconds: number | undefined;
  /** Some total went down since the previous snapshot (rows deleted): everything now stored counts as new. */
  reset: boolean;
  counters: Counters;
  /** Only codes seen in the interval. */
  errorsByCode: Record<string, number>;
  errorsByClass: ErrorsByClass;
  /** From the source write (`_ts`) to applied. */
  latency: LatencySummary;
  /** From the Service Bus enqueue time to applied: the subscriber's own share of the lag. */
  enqueueLatency: LatencySummary;
}

export interface MetricsSnapshot {
  target: string;
  at: Date;
  /** Seconds since the newest applied source write (`_ts`); undefined until something is applied. */
  lagSeconds: number | undefined;
  checkpoint: Checkpoint | undefined;
  lastBatchAt: Date | undefined;
  /** The newest error of any session; kept however long ago it was. */
  lastError: LastError | undefined;
  /** Undefined when the previous snapshot could not be read, so nothing is counted twice. */
  interval: IntervalMetrics | undefined;
  /** Cumulative totals: the baseline of the next snapshot. */
  totals: Totals;
}

/** The previous snapshot of a target as far as deltas need it. */
export type Previous = { at: Date; totals: Totals } | 'none' | 'unreadable';

function wentDown(current: Totals, previous: Totals): boolean {
  const counts = (totals: Totals) => [
    ...COUNTER_NAMES.map((name) => [name, totals.counters[name]] as const),
    ...Object.entries(totals.errorsByCode).map(([code, count]) => [`error:${code}`, count] as const),
    ...Object.entries(totals.errorsByClass).map(([errorClass, count]) => [`class:${errorClass}`, count] as const),
    ...totals.lag.buckets.map((count, index) => [`bucket:${index}`, count] as const),
    ...totals.enqueueLag.buckets.map((count, index) => [`enqueueBucket:${index}`, count] as const),
  ];
  const now = new Map(counts(current));
  return counts(previous).some(([key, count]) => (now.get(key) ?? 0) < count);
}

/**
 * What was added between two totals. Totals only grow, so any decrease means they were reset in between (state rows
 * deleted); then, as with Prometheus counters, all of `current` is new.
 */
export function totalsDelta(current: Totals, previous: Totals | undefined): { delta: Totals; reset: boolean } {
  if (!previous) return { delta: current, reset: false };
  if (wentDown(current, previous)) return { delta: current, reset: true };
  const counters = Object.fromEntries(
    COUNTER_NAMES.map((name) => [name, current.counters[name] - previous.counters[name]]),
  ) as Counters;
  const errorsByCode = Object.fromEntries(
    Object.entries(current.errorsByCode)
      .map(([code, count]) => [code, count - (previous.errorsByCode[code] ?? 0)] as const)
      .filter(([, count]) => count > 0),
  );
  const errorsByClass: ErrorsByClass = {
    transient: current.errorsByClass.transient - previous.errorsByClass.transient,
    permanent: current.errorsByClass.permanent - previous.errorsByClass.permanent,
  };
  return {
    delta: {
      counters,
      errorsByCode,
      errorsByClass,
      lag: histogramDelta(current.lag, previous.lag),
      enqueueLag: histogramDelta(current.enqueueLag, previous.enqueueLag),
    },
    reset: false,
  };
}

export function latencySummary(histogram: LagHistogram): LatencySummary {
  const count = histogramCount(histogram);
  return {
    count,
    meanSeconds: count > 0 ? histogram.sum / count : undefined,
    p50Seconds: quantile(histogram, 0.5),
    p95Seconds: quantile(histogram, 0.95),
    p99Seconds: quantile(histogram, 0.99),
  };
}

/** Apply latency (source write to applied) of some totals. */
export function latencyOf(totals: Totals): LatencySummary {
  return latencySummary(totals.lag);
}

export function buildSnapshot(target: string, state: StateRow, previous: Previous, at: Date): MetricsSnapshot {
  const totals: Totals = {
    counters: state.counters,
    errorsByCode: state.errorsByCode,
    errorsByClass: state.errorsByClass,
    lag: state.lag,
    enqueueLag: state.enqueueLag,
  };
  let interval: IntervalMetrics | undefined;
  if (previous !== 'unreadable') {
    const base = previous === 'none' ? undefined : previous;
    const { delta, reset } = totalsDelta(totals, base?.totals);
    interval = {
      seconds: base && (at.getTime() - base.at.getTime()) / 1000,
      reset,
      counters: delta.counters,
      errorsByCode: Object.fromEntries(Object.entries(delta.errorsByCode).filter(([, count]) => count > 0)),
      errorsByClass: delta.errorsByClass,
      latency: latencySummary(delta.lag),
      enqueueLatency: latencySummary(delta.enqueueLag),
    };
  }
  return {
    target,
    at,
    lagSeconds: state.checkpoint && Math.max(0, at.getTime() / 1000 - state.checkpoint.ts),
    checkpoint: state.checkpoint,
    lastBatchAt: state.lastBatchAt,
    lastError: state.lastError,
    interval,
    totals,
  };
}
