/** One source's status from the change-feed estimator's result. */
import type { SourceConfig } from '../config/schema.js';
import type { HealthThresholds } from '../config/thresholds.js';
import { judge } from './health.js';
import type { LeaseStatus, SourceStatus } from './report.js';

/** What the estimator reports for one source (shared/metrics/estimator). */
export interface SourceEstimateInput {
  leases: readonly LeaseStatus[];
  pendingChanges: number | null;
  lagSeconds: number | null;
  problems: readonly { code: string; message: string }[];
}

/** The lease's figures; the split fields only when present, so a lease outside a split looks as it always did. */
function leaseStatus(lease: LeaseStatus): LeaseStatus {
  const { id, leaseToken, owner, pendingChanges, lagSeconds, state, ranges, coveredBy } = lease;
  return {
    id,
    leaseToken,
    owner,
    pendingChanges,
    lagSeconds,
    ...(state !== undefined ? { state } : {}),
    ...(ranges !== undefined
      ? {
          ranges: ranges.map(({ rangeId, min, max, pendingChanges, lagSeconds }) => ({
            rangeId,
            min,
            max,
            pendingChanges,
            lagSeconds,
          })),
        }
      : {}),
    ...(coveredBy !== undefined ? { coveredBy: [...coveredBy] } : {}),
  };
}

export function sourceStatus(
  source: SourceConfig,
  estimate: SourceEstimateInput | undefined,
  thresholds: HealthThresholds,
): SourceStatus {
  const pendingChanges = estimate?.pendingChanges ?? null;
  const lagSeconds = estimate?.lagSeconds ?? null;
  const unmeasured = pendingChanges === null ? ['pending changes'] : [];
  const verdict = judge(
    [
      { measure: 'lagSeconds', label: 'lag', value: lagSeconds ?? undefined, unit: 's' },
      { measure: 'backlog', label: 'pending changes', value: pendingChanges ?? undefined },
    ],
    thresholds,
    unmeasured,
  );
  return {
    name: source.name,
    database: source.database,
    container: source.container,
    changeFeedMode: source.changeFeedMode,
    ...verdict,
    reasons: [
      ...verdict.reasons,
      ...(estimate?.problems ?? []).map((problem) => `${problem.code}: ${problem.message}`),
    ],
    pendingChanges,
    lagSeconds,
    leases: (estimate?.leases ?? []).map(leaseStatus),
  };
}
