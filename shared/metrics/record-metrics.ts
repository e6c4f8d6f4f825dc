/**
 * The metrics timer's work: measure every source and target (shared/status/measure.ts), then write one metrics row
 * per source and per target, log each as a structured line, warn about every item that is not healthy, hand the
 * values to telemetry and prune rows past the retention period.
 *
 * Items are isolated: a damaged state row or a failed write is logged for its item and the others are still recorded.
 * Damaged data is only logged (retrying cannot fix it); if anything failed for a reason that may pass (a table, the
 * broker or Cosmos DB unavailable), the first such error is thrown after everything was tried, so the invocation
 * shows as failed. Assumes one run at a time, which the Functions timer trigger guarantees (singleton lock).
 */
import { ensureTable } from '../clients/tables.js';
import { errorCode, isRetryable } from '../errors.js';
import { stateErrorFrom } from '../state/errors.js';
import { measure, type MeasureDeps, type Measurement } from '../status/measure.js';
import type { SourceStatus, TargetStatus } from '../status/report.js';
import { metricFields, toMetricsEntity } from './entity.js';
import { plainColumns, targetStatusColumns, toSourceEntity } from './rows.js';
import type { MetricsSnapshot } from './snapshot.js';

export interface MetricsDeps extends MeasureDeps {
  /** Receives every run's measurement (OpenTelemetry); a failure is logged and fails the run after the writes. */
  emit?: (measurement: Measurement) => Promise<void>;
  /** Deletes rows past the retention period; a failure is logged like any other. */
  prune?: (now: Date) => Promise<void>;
}

export async function recordMetrics(deps: MetricsDeps, now: Date): Promise<Measurement> {
  const measurement = await measure(deps, now);
  const failures = [...measurement.failures];
  for (const problem of measurement.report.problems) {
    deps.logger.error('metrics.part_failed', { ...problem, errorCode: problem.code });
  }
  try {
    await ensureTable(deps.metricsTable);
  } catch (error) {
    throw stateErrorFrom(error, `create metrics table ${deps.metricsTable.tableName}`);
  }
  const { report, snapshots } = measurement;
  const writes = [
    ...report.targets.map((status) => ({ name: status.name, write: () => recordTarget(deps, status, snapshots) })),
    ...report.sources.map((status) => ({
      name: `source:${status.name}`,
      write: () => recordSource(deps, status, now),
    })),
    ...(deps.emit ? [{ name: 'telemetry', write: () => deps.emit!(measurement) }] : []),
    ...(deps.prune ? [{ name: 'retention', write: () => deps.prune!(now) }] : []),
  ];
  await Promise.all(
    writes.map(async ({ name, write }) => {
      try {
        await write();
      } catch (error) {
        deps.logger.error('metrics.write_failed', { part: name, errorCode: errorCode(error), error });
        failures.push(error);
      }
    }),
  );
  const retryable = failures.find(isRetryable);
  if (retryable !== undefined) throw retryable;
  return measurement;
}

function warnIfUnhealthy(deps: MetricsDeps, kind: 'source' | 'target', item: SourceStatus | TargetStatus): void {
  if (item.health === 'ok') return;
  deps.logger.warn(`health.${item.health}`, { kind, [kind]: item.name, health: item.health, reasons: item.reasons });
}

async function recordTarget(
  deps: MetricsDeps,
  status: TargetStatus,
  snapshots: ReadonlyMap<string, MetricsSnapshot>,
): Promise<void> {
  warnIfUnhealthy(deps, 'target', status);
  const snapshot = snapshots.get(status.name);
  // No snapshot: the state could not be read (already reported) or is not kept; a row of backlog alone would have
  // no baseline for the next run's deltas, so none is written.
  if (!snapshot) return;
  const columns = targetStatusColumns(status);
  try {
    await deps.metricsTable.upsertEntity({ ...toMetricsEntity(snapshot), ...columns }, 'Replace');
  } catch (error) {
    throw stateErrorFrom(error, `write metrics row for ${status.name}`);
  }
  deps.logger.info('metrics.target', {
    target: status.name,
    at: snapshot.at.toISOString(),
    ...metricFields(snapshot),
    secondsSinceApplied: snapshot.lagSeconds,
    ...plainColumns(columns),
  });
}

async function recordSource(deps: MetricsDeps, status: SourceStatus, now: Date): Promise<void> {
  warnIfUnhealthy(deps, 'source', status);
  try {
    await deps.metricsTable.upsertEntity(toSourceEntity(status, now), 'Replace');
  } catch (error) {
    throw stateErrorFrom(error, `write metrics row for source ${status.name}`);
  }
  deps.logger.info('metrics.source', {
    source: status.name,
    at: now.toISOString(),
    health: status.health,
    pendingChanges: status.pendingChanges,
    lagSeconds: status.lagSeconds,
    leases: status.leases.length,
    // Only during a split, so the line stays as it was otherwise: how many leases are splitting or superseded.
    ...splitCount(status),
  });
}

function splitCount(status: SourceStatus): { leasesInSplit?: number } {
  const count = status.leases.filter((lease) => lease.state !== undefined).length;
  return count > 0 ? { leasesInSplit: count } : {};
}
