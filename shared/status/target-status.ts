/**
 * One target's status from its metrics snapshot (state rows diffed against the previous metrics row) and its
 * subscription's backlog. Lag here answers "how stale is the target now": zero once its subscription is drained,
 * otherwise the age of the newest applied source write, which bounds the staleness from above.
 */
import type { HealthThresholds } from '../config/thresholds.js';
import type { LatencySummary, MetricsSnapshot } from '../metrics/snapshot.js';
import { judge } from './health.js';
import type { Backlog, LatencySummaryJson, Problem, TargetStatus } from './report.js';

export interface TargetInput {
  name: string;
  type: string;
  subscription: string;
  /** Undefined when the metrics are off (COSMOS_SYNC_METRICS_ENABLED=false) or the state could not be read. */
  snapshot: MetricsSnapshot | undefined;
  /** A problem when the backlog could not be read. */
  backlog: Backlog | Problem;
  /** Poison records the subscriber set aside; undefined when they could not be counted (a problem says why). */
  poisoned?: number | undefined;
}

const sum = (counts: Record<string, number>): number => Object.values(counts).reduce((a, b) => a + b, 0);

function latencyJson(summary: LatencySummary): LatencySummaryJson {
  return {
    count: summary.count,
    meanSeconds: summary.meanSeconds ?? null,
    p50Seconds: summary.p50Seconds ?? null,
    p95Seconds: summary.p95Seconds ?? null,
    p99Seconds: summary.p99Seconds ?? null,
  };
}

function isBacklog(value: Backlog | Problem): value is Backlog {
  return 'active' in value;
}

export function targetLagSeconds(snapshot: MetricsSnapshot | undefined, backlog: Backlog | undefined): number | null {
  if (backlog && backlog.active === 0) return 0;
  return snapshot?.lagSeconds ?? null;
}

function intervalOf(snapshot: MetricsSnapshot | undefined): TargetStatus['interval'] {
  const interval = snapshot?.interval;
  if (!interval) return null;
  const errors = sum(interval.errorsByCode);
  return {
    seconds: interval.seconds ?? null,
    received: interval.counters.received,
    applied: interval.counters.applied,
    deadLettered: interval.counters.deadLettered,
    errors,
    errorRate: interval.counters.received > 0 ? errors / interval.counters.received : null,
    errorsByCode: interval.errorsByCode,
    errorsByClass: interval.errorsByClass,
    latencyFromSource: latencyJson(interval.latency),
    latencyFromEnqueue: latencyJson(interval.enqueueLatency),
  };
}

export function targetStatus(input: TargetInput, thresholds: HealthThresholds, metricsEnabled: boolean): TargetStatus {
  const { snapshot } = input;
  const backlog = isBacklog(input.backlog) ? input.backlog : undefined;
  const interval = intervalOf(snapshot);
  const lagSeconds = targetLagSeconds(snapshot, backlog);
  const unmeasured = [
    ...(backlog ? [] : ['backlog']),
    ...(snapshot || !metricsEnabled ? [] : ['apply state']),
    ...(input.poisoned === undefined ? ['poison records'] : []),
  ];
  const verdict = judge(
    [
      { measure: 'lagSeconds', label: 'lag', value: lagSeconds ?? undefined, unit: 's' },
      { measure: 'backlog', label: 'backlog', value: backlog?.active },
      { measure: 'deadLettered', label: 'dead-lettered', value: backlog?.deadLettered },
      // Set aside by the subscriber instead of dead-lettered (one message cannot be settled alone): same thresholds.
      { measure: 'deadLettered', label: 'poisoned', value: input.poisoned },
      { measure: 'errorRate', label: 'error rate', value: interval?.errorRate ?? undefined, unit: '%' },
    ],
    thresholds,
    unmeasured,
  );
  const totals = snapshot?.totals;
  const checkpoint = snapshot?.checkpoint;
  const lastError = snapshot?.lastError;
  return {
    name: input.name,
    type: input.type,
    subscription: input.subscription,
    ...verdict,
    lagSeconds,
    backlog: backlog ?? null,
    poisoned: input.poisoned ?? null,
    throughputPerSecond: interval?.seconds ? interval.applied / interval.seconds : null,
    interval,
    totals: {
      applied: totals?.counters.applied ?? 0,
      deadLettered: totals?.counters.deadLettered ?? 0,
      errors: totals ? sum(totals.errorsByCode) : 0,
      errorsByCode: totals?.errorsByCode ?? {},
    },
    checkpoint: checkpoint
      ? {
          eventId: checkpoint.eventId,
          source: checkpoint.source,
          lsn: checkpoint.lsn,
          sourceTs: new Date(checkpoint.ts * 1000).toISOString(),
          appliedAt: checkpoint.appliedAt.toISOString(),
        }
      : null,
    lastError: lastError ? { ...lastError, at: lastError.at.toISOString() } : null,
  };
}
