/**
 * The change-feed lag estimator: for each configured source and each of its leases, how many changes the trigger has
 * not yet handed to the publish function, and for how long the oldest of them has waited. docs/metrics.md, section
 * "Change-feed lag estimator", describes the method, its sources and its error bounds.
 *
 * Cost per run: per source one lease query and one partition key range read, and per lease one change-feed request of
 * at most one item per range it covers (one, except during a split), plus the SDK's own metadata reads, which it
 * caches per client. Leases are estimated in parallel, a few at a time.
 */
import type { FeedRange } from '@azure/cosmos';
import type { ResolvedConnection } from '../../config/connections.js';
import type { SourceConfig } from '../../config/schema.js';
import { errorCode, messageOf } from '../../errors.js';
import type { Logger } from '../../logging.js';
import { mapBounded } from '../../map-bounded.js';
import { RidCache, sourceContainers } from './containers.js';
import { EstimatorError } from './errors.js';
import { planCoverage } from './lease-coverage.js';
import { estimateLease, type LeaseContext } from './lease-estimate.js';
import { listLeases } from './leases.js';
import { readRanges } from './ranges.js';
import { totals } from './math.js';
import type { EstimateProblem, SourceEstimate } from './types.js';

export { EstimatorError } from './errors.js';
export type { EstimatorErrorCode, EstimatorProblemCode } from './errors.js';
export { RidCache } from './containers.js';
export type { EstimateProblem, LeaseEstimate, LeaseRangeEstimate, SourceEstimate } from './types.js';

export interface EstimatorDeps {
  /** Resolved connections by name (`AppConfig.connections`); clients come from shared/clients/cosmos.ts. */
  connections: ReadonlyMap<string, ResolvedConnection>;
  logger: Logger;
  /** Most change-feed reads (and sources) in flight at once. Default 4. */
  concurrency?: number;
  /** Where container `_rid`s are kept between runs. Default: one cache for the process. */
  rids?: RidCache;
}

const DEFAULT_CONCURRENCY = 4;
const processRids = new RidCache();

/** Problems after which the cached `_rid`s may be stale (the container recreated under the same name). */
const STALE_RID_HINTS = new Set(['ESTIMATOR_NO_LEASES', 'ESTIMATOR_FEED_UNREADABLE']);

function memo<T>(load: () => Promise<T>): () => Promise<T> {
  let value: Promise<T> | undefined;
  return () => (value ??= load());
}

/**
 * Estimates one source. Throws `EstimatorError` when the source as a whole cannot be estimated (monitored or lease
 * container unreadable; `retryable` follows the Cosmos DB status); lease-level trouble is reported in `problems`.
 */
export async function estimateSource(deps: EstimatorDeps, source: SourceConfig, now: Date): Promise<SourceEstimate> {
  const rids = deps.rids ?? processRids;
  const containers = await sourceContainers(deps.connections, source, rids);
  const listing = await listLeases(containers.leases, containers.leasePrefix, containers.storePrefix);
  const context: LeaseContext = {
    source,
    monitored: containers.monitored,
    containerRid: containers.containerRid,
    feedRanges: memo((): Promise<readonly FeedRange[]> => containers.monitored.getFeedRanges()),
  };
  const ranges = listing.leases.length > 0 ? await readRanges(containers.monitored, source) : [];
  const coverage = planCoverage(listing.leases, ranges);
  const results = await mapBounded(listing.leases, deps.concurrency ?? DEFAULT_CONCURRENCY, (lease) =>
    estimateLease(context, lease, coverage.byLease.get(lease.id) ?? { kind: 'unknown' }, now),
  );
  const leases = results.map((result) => result.estimate);
  const problems: EstimateProblem[] = [
    ...listing.problems,
    ...coverage.overlaps.map(([a, b]) => ({
      code: 'ESTIMATOR_LEASES_OVERLAP' as const,
      message: `leases ${a} and ${b} cover overlapping ranges; both are counted`,
    })),
    ...results.flatMap((result) => result.problems),
  ];
  if (problems.some((problem) => STALE_RID_HINTS.has(problem.code))) rids.forget(containers.ridKey);
  if (problems.length > 0) deps.logger.warn('metrics.estimator.problems', { source: source.name, problems });
  return { source: source.name, leases, ...totals(leases), problems };
}

/**
 * Estimates every source, a few at a time. Never throws: a source that cannot be estimated comes back with null
 * numbers and one problem carrying the error's code (logged as `metrics.estimator.source_failed`).
 */
export async function estimateSources(
  deps: EstimatorDeps,
  sources: readonly SourceConfig[],
  now: Date,
): Promise<SourceEstimate[]> {
  return mapBounded(sources, deps.concurrency ?? DEFAULT_CONCURRENCY, async (source) => {
    try {
      return await estimateSource(deps, source, now);
    } catch (error) {
      const retryable = error instanceof EstimatorError ? error.retryable : true;
      deps.logger.error('metrics.estimator.source_failed', {
        source: source.name,
        errorCode: errorCode(error),
        retryable,
        error,
      });
      const message = messageOf(error);
      const code = error instanceof EstimatorError ? error.code : 'UNEXPECTED';
      return { source: source.name, leases: [], pendingChanges: null, lagSeconds: null, problems: [{ code, message }] };
    }
  });
}
