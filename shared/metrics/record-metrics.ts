/**
 * The metrics timer's work: read every target's state, diff it against the target's previous snapshot, and write one
 * metrics row and one `metrics.target` log line per target.
 *
 * Targets are isolated: a damaged row or a failed write is logged for its target and the others are still recorded.
 * Damaged data is only logged (retrying cannot fix it); if anything failed for a reason that may pass (a table or a
 * collector unavailable), the first such error is thrown after all targets were tried, so the invocation shows as
 * failed. Assumes one run at a time, which the Functions timer trigger guarantees (singleton lock).
 */
import { odata, type TableClient } from '@azure/data-tables';
import { ensureTable } from '../clients/tables.js';
import { errorCode, isRetryable } from '../errors.js';
import type { Logger } from '../logging.js';
import { tableKey } from '../state/columns.js';
import { StateStoreError, stateErrorFrom } from '../state/errors.js';
import { readTargetStates, type TargetState } from '../state/reader.js';
import { emptyRow } from '../state/row.js';
import type { MetricsCollector } from './collector.js';
import { metricFields, parseBaseline, toMetricsEntity } from './entity.js';
import { buildSnapshot, type MetricsSnapshot, type Previous } from './snapshot.js';

export interface MetricsDeps {
  stateTable: TableClient;
  /** The metrics table (`cosmossyncmetrics` by default); created on first use. */
  metricsTable: TableClient;
  logger: Logger;
  /** Configured target names; each gets a row even before its first batch. Default: the targets in the state table. */
  targets?: readonly string[];
  collectors?: readonly MetricsCollector[];
}

export async function recordMetrics(deps: MetricsDeps, now: Date): Promise<MetricsSnapshot[]> {
  const states = new Map((await readTargetStates(deps.stateTable)).map((state) => [state.target, state]));
  const targets = deps.targets ?? [...states.keys()];
  const failures: unknown[] = [];
  const gauges = await collectGauges(deps, targets, now, failures);
  try {
    await ensureTable(deps.metricsTable);
  } catch (error) {
    throw stateErrorFrom(error, `create metrics table ${deps.metricsTable.tableName}`);
  }

  const results = await Promise.all(
    targets.map(async (target) => {
      try {
        const state = states.get(target);
        return await recordTarget(deps, target, state, now, gauges.get(target) ?? {});
      } catch (error) {
        deps.logger.error('metrics.target_failed', { target, errorCode: errorCode(error), error });
        failures.push(error);
        return undefined;
      }
    }),
  );
  const retryable = failures.find(isRetryable);
  if (retryable !== undefined) throw retryable;
  return results.filter((snapshot): snapshot is MetricsSnapshot => snapshot !== undefined);
}

async function recordTarget(
  deps: MetricsDeps,
  target: string,
  state: TargetState | undefined,
  now: Date,
  gauges: Record<string, number>,
): Promise<MetricsSnapshot> {
  if (state && state.invalidRows.length > 0) {
    // Totals without these rows would look like a reset and distort this and the next interval: skip the target.
    const rows = state.invalidRows.map((row) => row.problem).join(' | ');
    throw new StateStoreError(
      'STATE_ROW_INVALID',
      `target ${target}: ${state.invalidRows.length} unreadable state row(s): ${rows}`,
    );
  }
  const previous = await readPrevious(deps, target);
  const snapshot = buildSnapshot(target, state ?? emptyRow(), previous, now, gauges);
  try {
    await deps.metricsTable.upsertEntity(toMetricsEntity(snapshot), 'Replace');
  } catch (error) {
    throw stateErrorFrom(error, `write metrics row for ${target}`);
  }
  deps.logger.info('metrics.target', { target, at: now.toISOString(), ...metricFields(snapshot) });
  return snapshot;
}

/** The newest metrics row of the target (row keys sort newest first), as a baseline for deltas. */
async function readPrevious(deps: MetricsDeps, target: string): Promise<Previous> {
  let newest: Record<string, unknown> | undefined;
  try {
    const pages = deps.metricsTable
      .listEntities<Record<string, unknown>>({ queryOptions: { filter: odata`PartitionKey eq ${tableKey(target)}` } })
      .byPage({ maxPageSize: 1 });
    for await (const page of pages) {
      newest = page[0];
      // An empty first page can carry a continuation token; only stop once a row was found.
      if (newest) break;
    }
  } catch (error) {
    throw stateErrorFrom(error, `read previous metrics row for ${target}`);
  }
  if (!newest) return 'none';
  const baseline = parseBaseline(newest);
  if (baseline.ok) return baseline;
  // Counting from zero would report everything again; skip the deltas once and let this run's row be the baseline.
  deps.logger.warn('metrics.baseline_invalid', { target, rowKey: newest['rowKey'], problem: baseline.problem });
  return 'unreadable';
}

async function collectGauges(
  deps: MetricsDeps,
  targets: readonly string[],
  now: Date,
  failures: unknown[],
): Promise<Map<string, Record<string, number>>> {
  const gauges = new Map<string, Record<string, number>>();
  const results = await Promise.allSettled((deps.collectors ?? []).map((collector) => collector.collect(targets, now)));
  results.forEach((result, index) => {
    if (result.status === 'fulfilled') {
      for (const [target, values] of result.value) gauges.set(target, { ...gauges.get(target), ...values });
      return;
    }
    const collector = deps.collectors?.[index]?.name;
    deps.logger.error('metrics.collector_failed', {
      collector,
      errorCode: errorCode(result.reason),
      error: result.reason,
    });
    failures.push(result.reason);
  });
  return gauges;
}
