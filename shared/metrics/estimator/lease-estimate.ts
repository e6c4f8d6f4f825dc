/**
 * One lease's estimate: one change-feed request of at most one item, from where the lease stands, in the lease's mode.
 * Nothing here throws: whatever stops the measurement becomes a problem and the lease's numbers stay null.
 */
import { ChangeFeedMode, ChangeFeedStartFrom, type Container, type FeedRange } from '@azure/cosmos';
import type { SourceConfig } from '../../config/schema.js';
import { sdkContinuation } from '../../leases/lease-documents.js';
import type { ParsedLease } from '../../leases/lease-schema.js';
import { describeCosmosError } from './errors.js';
import { measurePage, type FeedPage } from './math.js';
import type { EstimateProblem, LeaseEstimate } from './types.js';

type Range = { min: string; max: string };

/** Per-source lookups, made at most once per run and only when a lease needs them. */
export interface LeaseContext {
  source: SourceConfig;
  monitored: Container;
  containerRid: string;
  /** Partition key ranges by id (for leases that only name a lease token). */
  rangeById(): Promise<Map<string, Range>>;
  /** The SDK's feed ranges (`ChangeFeedStartFrom.Beginning/Time` take these, not a plain min/max). */
  feedRanges(): Promise<readonly FeedRange[]>;
}

export type StartPlan =
  | { kind: 'continuation'; token: string }
  | { kind: 'beginning' }
  | { kind: 'time'; time: Date }
  | { kind: 'not-started' };

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

type Start = { ok: true; start: ChangeFeedStartFrom } | { ok: false; problem: EstimateProblem };

async function startOf(context: LeaseContext, lease: ParsedLease): Promise<Start> {
  const fail = (code: EstimateProblem['code'], detail: string): Start => ({
    ok: false,
    problem: { code, message: `lease ${lease.id}: ${detail}` },
  });
  const plan = startPlanOf(lease, context.source);
  if (plan.kind === 'not-started') {
    return fail(
      'ESTIMATOR_LEASE_NOT_STARTED',
      'not checkpointed yet and its processor starts from "now", which is recorded nowhere until the first checkpoint',
    );
  }
  const range = lease.range ?? (await context.rangeById()).get(lease.leaseToken);
  if (!range) {
    return fail(
      'ESTIMATOR_LEASE_RANGE_UNKNOWN',
      `no FeedRange, and lease token ${lease.leaseToken} is not a partition key range of ${context.source.container} (split?)`,
    );
  }
  if (plan.kind === 'continuation') {
    const token = sdkContinuation(context.containerRid, { Range: range }, plan.token);
    return { ok: true, start: ChangeFeedStartFrom.Continuation(token) };
  }
  const feedRange = (await context.feedRanges()).find(
    (candidate) => candidate.minInclusive === range.min && candidate.maxExclusive === range.max,
  );
  if (!feedRange) {
    return fail('ESTIMATOR_LEASE_RANGE_UNKNOWN', `range ${range.min}-${range.max} is not a current feed range`);
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

export async function estimateLease(
  context: LeaseContext,
  lease: ParsedLease,
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
  let page: FeedPage;
  try {
    const start = await startOf(context, lease);
    if (!start.ok) return { estimate, problems: [...problems, start.problem] };
    page = await readFirstChange(context, start.start, lease);
  } catch (error) {
    const from = lease.continuation ?? 'its start';
    const message = `lease ${lease.id}: reading the change feed from ${from} failed: ${describeCosmosError(error)}`;
    return { estimate, problems: [...problems, { code: 'ESTIMATOR_FEED_UNREADABLE', message }] };
  }
  const measured = measurePage(page, lease.mode, now.getTime());
  estimate.pendingChanges = measured.pendingChanges;
  estimate.lagSeconds = measured.lagSeconds;
  for (const problem of measured.problems)
    problems.push({ ...problem, message: `lease ${lease.id}: ${problem.message}` });
  return { estimate, problems };
}
