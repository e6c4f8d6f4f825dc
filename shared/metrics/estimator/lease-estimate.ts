/**
 * One lease's estimate: one change-feed request of at most one item per partition key range the lease covers (one,
 * except while a split is under way), from where the lease stands, in the lease's mode. Nothing here throws: whatever
 * stops the measurement becomes a problem and the lease's numbers stay null.
 */
import type { SourceConfig } from '../../config/schema.js';
import type { ParsedLease } from '../../leases/lease-schema.js';
import type { LeaseCoverage } from './lease-coverage.js';
import { measurePart, type LeaseContext, type StartPlan } from './lease-part.js';
import { totals } from './math.js';
import type { EstimateProblem, LeaseEstimate, LeaseRangeEstimate } from './types.js';

export type { LeaseContext, StartPlan } from './lease-part.js';

/**
 * Where the lease's processor reads next: its checkpoint, or, before the first one, where the trigger starts. .NET's
 * estimator reads un-checkpointed leases from the beginning, which makes a processor started "from now" look as if the
 * whole container were pending (azure-cosmos-dotnet-v3 issue 5847); here the source's own start is used, and "now"
 * (recorded nowhere: the processor keeps it in memory until its first checkpoint) is reported rather than guessed.
 */
export function startPlanOf(lease: ParsedLease, source: Pick<SourceConfig, 'startFrom'>): StartPlan {
  if (lease.continuation !== null) return { kind: 'continuation', token: lease.continuation };
  // All-versions leases always start from now (the service refuses beginning and time starts in that mode).
  if (source.startFrom === 'now' || lease.mode === 'AllVersionsAndDeletes') return { kind: 'not-started' };
  return source.startFrom === 'beginning' ? { kind: 'beginning' } : { kind: 'time', time: new Date(source.startFrom) };
}

export async function estimateLease(
  context: LeaseContext,
  lease: ParsedLease,
  coverage: LeaseCoverage,
  now: Date,
): Promise<{ estimate: LeaseEstimate; problems: EstimateProblem[] }> {
  const estimate: LeaseEstimate = {
    id: lease.id,
    leaseToken: lease.leaseToken,
    owner: lease.owner,
    pendingChanges: null,
    lagSeconds: null,
    continuation: lease.continuation,
  };
  const problems: EstimateProblem[] = [];
  if (lease.mode !== context.source.changeFeedMode) {
    problems.push({
      code: 'ESTIMATOR_LEASE_MODE_MISMATCH',
      message: `lease ${lease.id} is a ${lease.mode} lease but the source is configured for ${context.source.changeFeedMode}; estimated as ${lease.mode}`,
    });
  }
  if (coverage.kind === 'unknown') {
    const detail = lease.range
      ? `its range ${lease.range.min}-${lease.range.max} overlaps no partition key range of ${context.source.container}`
      : `no FeedRange, and lease token ${lease.leaseToken} is neither a partition key range of ${context.source.container} nor the parent of one`;
    problems.push({ code: 'ESTIMATOR_LEASE_RANGE_UNKNOWN', message: `lease ${lease.id}: ${detail}` });
    return { estimate, problems };
  }
  if (coverage.kind === 'superseded') {
    const children = coverage.coveredBy.join(', ');
    problems.push({
      code: 'ESTIMATOR_LEASE_SUPERSEDED',
      message: `lease ${lease.id}: split; counted under its child leases ${children} until the trigger deletes it`,
    });
    return { estimate: { ...estimate, state: 'superseded', coveredBy: coverage.coveredBy }, problems };
  }
  const plan = startPlanOf(lease, context.source);
  const splitting = coverage.splitting ? { state: 'splitting' as const } : {};
  if (plan.kind === 'not-started') {
    const detail =
      'not checkpointed yet and its processor starts from "now", which is recorded nowhere until the first checkpoint';
    problems.push({ code: 'ESTIMATOR_LEASE_NOT_STARTED', message: `lease ${lease.id}: ${detail}` });
    return { estimate: { ...estimate, ...splitting }, problems };
  }
  // Parts one after another: a splitting lease has a few, and the source already reads leases in parallel.
  const parts: LeaseRangeEstimate[] = [];
  for (const part of coverage.parts) {
    const measured = await measurePart(context, lease, plan, part, now);
    parts.push(measured.estimate);
    problems.push(...measured.problems);
  }
  const figures = totals(parts);
  return {
    estimate: { ...estimate, ...figures, ...(coverage.splitting ? { ...splitting, ranges: parts } : {}) },
    problems,
  };
}
