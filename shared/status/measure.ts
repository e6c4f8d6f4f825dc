/**
 * Measures everything the status report and the metrics timer show, without writing anything: per target the state
 * rows diffed against the newest metrics row (the previous snapshot), the subscription backlog, and per source the
 * change-feed estimate. Both the timer and `GET /api/status` call this, so they never disagree.
 *
 * Parts fail independently: a part that cannot be measured becomes a `problem` in the report (and its error is kept
 * in `failures`, so the timer can fail its invocation when the cause may pass) while the rest is still measured.
 */
import { redactDeep } from '../redact.js';
import { odata, type TableClient } from '@azure/data-tables';
import type { SourceConfig } from '../config/schema.js';
import type { HealthThresholds } from '../config/thresholds.js';
import { errorCode, messageOf, statusOf } from '../errors.js';
import type { Logger } from '../logging.js';
import { parseBaseline } from '../metrics/entity.js';
import { buildSnapshot, type MetricsSnapshot, type Previous } from '../metrics/snapshot.js';
import { tableKey } from '../state/columns.js';
import { StateStoreError, stateErrorFrom } from '../state/errors.js';
import { readTargetStates, type TargetState } from '../state/reader.js';
import { emptyRow } from '../state/row.js';
import { worstOf } from './health.js';
import { STATUS_SCHEMA_VERSION, type Backlog, type Problem, type StatusReport } from './report.js';
import { sourceStatus, type SourceEstimateInput } from './source-status.js';
import { targetStatus } from './target-status.js';

export interface TargetRef {
  name: string;
  type: string;
  subscription: string;
}

export interface MeasureDeps {
  stateTable: TableClient;
  metricsTable: TableClient;
  logger: Logger;
  sources?: readonly SourceConfig[];
  /** Configured targets; each is measured even before its first batch. Default: the targets in the state table. */
  targets?: readonly TargetRef[];
  thresholds: HealthThresholds;
  /** False when subscribers keep no state (COSMOS_SYNC_METRICS_ENABLED=false): only backlog and estimates remain. */
  metricsEnabled?: boolean;
  /** Change-feed estimates by source name. */
  estimate?: (sources: readonly SourceConfig[], now: Date) => Promise<ReadonlyMap<string, SourceEstimateInput>>;
  /** Subscription backlog (or why it could not be read) by target name. */
  backlog?: (targets: readonly TargetRef[]) => Promise<ReadonlyMap<string, Backlog | Problem>>;
  /** Poison record counts by target name. Without it every target counts as having none. */
  poison?: (targets: readonly TargetRef[]) => Promise<ReadonlyMap<string, number>>;
}

export interface Measurement {
  report: StatusReport;
  /** Snapshots of the targets whose state could be read, by target name. */
  snapshots: Map<string, MetricsSnapshot>;
  /** The errors behind the report's problems, for callers that must fail on a transient one. */
  failures: unknown[];
}

function problemOf(component: string, error: unknown): Problem {
  return { component, code: errorCode(error), message: messageOf(error) };
}

/** Resolves to the value, or records the failure and resolves to `fallback`. */
async function attempt<T>(
  component: string,
  run: () => Promise<T>,
  fallback: T,
  sink: { problems: Problem[]; failures: unknown[] },
): Promise<T> {
  try {
    return await run();
  } catch (error) {
    sink.problems.push(problemOf(component, error));
    sink.failures.push(error);
    return fallback;
  }
}

export async function measure(deps: MeasureDeps, now: Date): Promise<Measurement> {
  const sink = { problems: [] as Problem[], failures: [] as unknown[] };
  const metricsEnabled = deps.metricsEnabled ?? true;
  const sources = deps.sources ?? [];
  const [states, estimates] = await Promise.all([
    metricsEnabled
      ? attempt('state', () => readTargetStates(deps.stateTable), undefined, sink)
      : Promise.resolve<TargetState[]>([]),
    deps.estimate && sources.length > 0
      ? attempt('estimator', () => deps.estimate!(sources, now), new Map<string, SourceEstimateInput>(), sink)
      : Promise.resolve(new Map<string, SourceEstimateInput>()),
  ]);
  const byName = new Map((states ?? []).map((state) => [state.target, state]));
  const targets = deps.targets ?? [...byName.keys()].map((name) => ({ name, type: 'unknown', subscription: '' }));
  const noBacklog: Problem = { component: 'backlog', code: 'NOT_MEASURED', message: 'no backlog reader configured' };
  const [backlogs, poisoned] = await Promise.all([
    deps.backlog
      ? attempt('backlog', () => deps.backlog!(targets), new Map<string, Backlog | Problem>(), sink)
      : Promise.resolve(new Map<string, Backlog | Problem>()),
    deps.poison
      ? attempt('poison', () => deps.poison!(targets), undefined, sink)
      : Promise.resolve(new Map(targets.map((target) => [target.name, 0]))),
  ]);

  const snapshots = new Map<string, MetricsSnapshot>();
  await Promise.all(
    targets.map(async (target) => {
      if (!metricsEnabled || states === undefined) return;
      const snapshot = await attempt(
        `state:${target.name}`,
        () => snapshotOf(deps, target.name, byName.get(target.name), now),
        undefined,
        sink,
      );
      if (snapshot) snapshots.set(target.name, snapshot);
    }),
  );
  for (const [name, estimate] of estimates) {
    for (const problem of estimate.problems) sink.problems.push({ component: `estimator:${name}`, ...problem });
  }
  for (const [name, backlog] of backlogs) {
    if (!('active' in backlog)) sink.problems.push({ ...backlog, component: `backlog:${name}` });
  }

  const sourceReports = sources.map((source) => sourceStatus(source, estimates.get(source.name), deps.thresholds));
  const targetReports = targets.map((target) =>
    targetStatus(
      {
        ...target,
        snapshot: snapshots.get(target.name),
        backlog: backlogs.get(target.name) ?? noBacklog,
        poisoned: poisoned?.get(target.name),
      },
      deps.thresholds,
      metricsEnabled,
    ),
  );
  const report: StatusReport = {
    schemaVersion: STATUS_SCHEMA_VERSION,
    generatedAt: now.toISOString(),
    health: worstOf([...sourceReports, ...targetReports].map((item) => item.health)),
    sources: sourceReports,
    targets: targetReports,
    problems: sink.problems,
  };
  // The report is served to callers holding only a function key and drawn by the dashboard: problems and last errors
  // quote SDK texts, which can hold connection strings or signed URLs.
  return { report: redactDeep(report), snapshots, failures: sink.failures };
}

async function snapshotOf(
  deps: MeasureDeps,
  target: string,
  state: TargetState | undefined,
  now: Date,
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
  return buildSnapshot(target, state ?? emptyRow(), previous, now);
}

/** The newest metrics row of the target (row keys sort newest first), as a baseline for deltas. */
export async function readPrevious(
  deps: Pick<MeasureDeps, 'metricsTable' | 'logger'>,
  target: string,
): Promise<Previous> {
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
    // No metrics table yet: the first timer run creates it.
    if (statusOf(error) === 404) return 'none';
    throw stateErrorFrom(error, `read previous metrics row for ${target}`);
  }
  if (!newest) return 'none';
  const baseline = parseBaseline(newest);
  if (baseline.ok) return baseline;
  // Counting from zero would report everything again; skip the deltas once and let this run's row be the baseline.
  deps.logger.warn('metrics.baseline_invalid', { target, rowKey: newest['rowKey'], problem: baseline.problem });
  return 'unreadable';
}
