/**
 * One target's metrics at one moment, computed purely from its state and the previous snapshot: freshness lag, what
 * happened since the previous run, and apply-latency percentiles for that interval.
 */
import { histogramCount, histogramDelta, quantile } from '../state/histogram.js';
import { COUNTER_NAMES, type Checkpoint, type Counters, type StateRow, type Totals } from '../state/row.js';

export interface LatencySummary {
  /** Events applied in the interval (one lag value each). */
  count: number;
  /** Seconds from source write to applied; undefined when nothing was applied. Percentiles are bucket estimates. */
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
  latency: LatencySummary;
}

export interface MetricsSnapshot {
  target: string;
  at: Date;
  /** Seconds since the newest applied source write (`_ts`); undefined until something is applied. */
  lagSeconds: number | undefined;
  checkpoint: Checkpoint | undefined;
  lastBatchAt: Date | undefined;
  /** Undefined when the previous snapshot could not be read, so nothing is counted twice. */
  interval: IntervalMetrics | undefined;
  /** Cumulative totals: the baseline of the next snapshot. */
  totals: Totals;
  /** Values from further collectors (backlogs, estimates), by name. */
  gauges: Record<string, number>;
}

/** The previous snapshot of a target as far as deltas need it. */
export type Previous = { at: Date; totals: Totals } | 'none' | 'unreadable';

function wentDown(current: Totals, previous: Totals): boolean {
  const counts = (totals: Totals) => [
    ...COUNTER_NAMES.map((name) => [name, totals.counters[name]] as const),
    ...Object.entries(totals.errorsByCode).map(([code, count]) => [`error:${code}`, count] as const),
    ...totals.lag.buckets.map((count, index) => [`bucket:${index}`, count] as const),
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
  return { delta: { counters, errorsByCode, lag: histogramDelta(current.lag, previous.lag) }, reset: false };
}

export function latencyOf(totals: Totals): LatencySummary {
  const count = histogramCount(totals.lag);
  return {
    count,
    meanSeconds: count > 0 ? totals.lag.sum / count : undefined,
    p50Seconds: quantile(totals.lag, 0.5),
    p95Seconds: quantile(totals.lag, 0.95),
    p99Seconds: quantile(totals.lag, 0.99),
  };
}

export function buildSnapshot(
  target: string,
  state: StateRow,
  previous: Previous,
  at: Date,
  gauges: Record<string, number> = {},
): MetricsSnapshot {
  const totals: Totals = { counters: state.counters, errorsByCode: state.errorsByCode, lag: state.lag };
  let interval: IntervalMetrics | undefined;
  if (previous !== 'unreadable') {
    const base = previous === 'none' ? undefined : previous;
    const { delta, reset } = totalsDelta(totals, base?.totals);
    interval = {
      seconds: base && (at.getTime() - base.at.getTime()) / 1000,
      reset,
      counters: delta.counters,
      errorsByCode: Object.fromEntries(Object.entries(delta.errorsByCode).filter(([, count]) => count > 0)),
      latency: latencyOf(delta),
    };
  }
  return {
    target,
    at,
    lagSeconds: state.checkpoint && Math.max(0, at.getTime() / 1000 - state.checkpoint.ts),
    checkpoint: state.checkpoint,
    lastBatchAt: state.lastBatchAt,
    interval,
    totals,
    gauges,
  };
}
