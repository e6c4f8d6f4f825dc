/**
 * One part of a lease (its range inside one current partition key range): one change-feed request of at most one item
 * from where the lease stands, in the lease's mode. Nothing here throws: a failure becomes a problem, numbers null.
 */
import { ChangeFeedMode, ChangeFeedStartFrom, type Container, type FeedRange } from '@azure/cosmos';
import type { SourceConfig } from '../../config/schema.js';
import { sdkContinuation } from '../../leases/lease-documents.js';
import type { ParsedLease } from '../../leases/lease-schema.js';
import { cosmosStatusOf, describeCosmosError } from './errors.js';
import type { LeasePart } from './lease-coverage.js';
import { measurePage, type FeedPage } from './math.js';
import type { EstimateProblem, LeaseRangeEstimate } from './types.js';

/** Per-source lookups, made at most once per run and only when a lease needs them. */
export interface LeaseContext {
  source: SourceConfig;
  monitored: Container;
  containerRid: string;
  /** The SDK's feed ranges (`ChangeFeedStartFrom.Beginning/Time` take these, not a plain min/max). */
  feedRanges(): Promise<readonly FeedRange[]>;
}

export type StartPlan =
  | { kind: 'continuation'; token: string }
  | { kind: 'beginning' }
  | { kind: 'time'; time: Date }
  | { kind: 'not-started' };

type Start = { ok: true; start: ChangeFeedStartFrom } | { ok: false; problem: EstimateProblem };

/** A start that can be read from ("not started" is decided once per lease, before any part is read). */
export type ReadablePlan = Exclude<StartPlan, { kind: 'not-started' }>;

/** Where to read one part of the lease from: its continuation narrowed to the part, or its processor's start. */
async function startOf(context: LeaseContext, lease: ParsedLease, plan: ReadablePlan, part: LeasePart): Promise<Start> {
  if (plan.kind === 'continuation') {
    const token = sdkContinuation(context.containerRid, { Range: { min: part.min, max: part.max } }, plan.token);
    return { ok: true, start: ChangeFeedStartFrom.Continuation(token) };
  }
  const feedRange = (await context.feedRanges()).find(
    (candidate) => candidate.minInclusive === part.min && candidate.maxExclusive === part.max,
  );
  if (!feedRange) {
    const message = `lease ${lease.id}: range ${part.min}-${part.max} is not a current feed range`;
    return { ok: false, problem: { code: 'ESTIMATOR_LEASE_RANGE_UNKNOWN', message } };
  }
  const start =
    plan.kind === 'beginning'
      ? ChangeFeedStartFrom.Beginning(feedRange)
      : ChangeFeedStartFrom.Time(plan.time, feedRange);
  return { ok: true, start };
}

async function readFirstChange(
  context: LeaseContext,
  start: ChangeFeedStartFrom,
  lease: ParsedLease,
): Promise<FeedPage> {
  const page = await context.monitored.items
    .getChangeFeedIterator({
      changeFeedStartFrom: start,
      maxItemCount: 1,
      ...(lease.mode === 'AllVersionsAndDeletes' ? { changeFeedMode: ChangeFeedMode.AllVersionsAndDeletes } : {}),
    })
    .readNext();
  const sessionToken: unknown = page.headers['x-ms-session-token'];
  return {
    statusCode: page.statusCode,
    items: Array.isArray(page.result) ? page.result : [],
    sessionToken: typeof sessionToken === 'string' ? sessionToken : undefined,
  };
}

/** One part's figures; a part that cannot be read leaves them null and says why. */
export async function measurePart(
  context: LeaseContext,
  lease: ParsedLease,
  plan: ReadablePlan,
  part: LeasePart,
  now: Date,
): Promise<{ estimate: LeaseRangeEstimate; problems: EstimateProblem[] }> {
  const estimate: LeaseRangeEstimate = { ...part, pendingChanges: null, lagSeconds: null };
  let page: FeedPage;
  try {
    const start = await startOf(context, lease, plan, part);
    if (!start.ok) return { estimate, problems: [start.problem] };
    page = await readFirstChange(context, start.start, lease);
  } catch (error) {
    const from = lease.continuation ?? 'its start';
    const where = `range ${part.rangeId} from ${from}`;
    // The SDK follows a split it meets itself; a 410 that still comes back means the range went away mid-read.
    const code = cosmosStatusOf(error) === 410 ? 'ESTIMATOR_LEASE_RANGE_GONE' : 'ESTIMATOR_FEED_UNREADABLE';
    const message = `lease ${lease.id}: reading the change feed of ${where} failed: ${describeCosmosError(error)}`;
    return { estimate, problems: [{ code, message }] };
  }
  const measured = measurePage(page, lease.mode, now.getTime());
  estimate.pendingChanges = measured.pendingChanges;
  estimate.lagSeconds = measured.lagSeconds;
  const problems = measured.problems.map((problem) => ({
    ...problem,
    message: `lease ${lease.id}: ${problem.message}`,
  }));
  return { estimate, problems };
}
