/**
 * The backfill loop: read a page of the source's change feed (LatestVersion, from its own checkpoint), publish it to
 * the one target, save the position, until the feed answers 304 Not Modified. The live pipeline keeps running; what
 * it delivers meanwhile and what the backfill re-sends meet at the target's version guard, so the order between them
 * does not matter.
 */
import { mapLatestVersionItem } from '../../shared/events/map-change.js';
import type { SourceConfig, TargetConfig } from '../../shared/config/schema.js';
import type { CliIo } from '../program.js';
import {
  assertSameStart,
  checkpointName,
  emptyCounts,
  parseCheckpoint,
  type BackfillCheckpoint,
  type BackfillCounts,
} from './backfill-checkpoint.js';
import { CheckpointStore } from './checkpoint-store.js';
import type { OpsContext } from './context.js';
import { createProgress } from './progress.js';
import { documentCountOf, SourceFeed, type FeedStart } from './source-feed.js';
import { latestVersionSourceOf, targetedPublisher } from './targeted-publisher.js';
import { RateLimits, type Clock } from './token-bucket.js';

export interface BackfillRequest {
  target: TargetConfig;
  source: SourceConfig;
  start: FeedStart;
  rate?: number | undefined;
  ru?: number | undefined;
  restart: boolean;
  dryRun: boolean;
  /** The command without --since, for messages (a conflict names the saved --since). */
  command: string;
  clock?: Clock;
}

export type BackfillOutcome = 'completed' | 'interrupted' | 'already-completed';
/** 304 Not Modified, or only changes newer than the run's start left (see catch-up.ts). */
export type EndedBy = 'not-modified' | 'only-new-changes';

export interface BackfillResult {
  outcome: BackfillOutcome;
  dryRun: boolean;
  target: string;
  subscription: string;
  source: string;
  start: FeedStart;
  /** This run continued a saved backfill. */
  resumed: boolean;
  /** This run only. */
  run: BackfillCounts & { elapsedMs: number; rateLimitedMs: number };
  /** Every run of this backfill, this one included (equals `run` for a dry run). */
  total: BackfillCounts;
  checkpoint: string;
  quarantineContainer: string;
  completedAt: string | null;
  /** How a completed run knew it was done. */
  endedBy?: EndedBy;
}

function add(into: BackfillCounts, counts: Partial<BackfillCounts>): void {
  for (const key of Object.keys(counts) as (keyof BackfillCounts)[]) into[key] += counts[key] ?? 0;
}

export async function runBackfill(ctx: OpsContext, io: CliIo, request: BackfillRequest): Promise<BackfillResult> {
  const { target, source, start, dryRun } = request;
  const clock = request.clock;
  const now = () => new Date(clock?.now() ?? Date.now()).toISOString();
  const started = clock?.now() ?? Date.now();
  const limits = RateLimits.of(request, clock);
  const store = CheckpointStore.for(ctx.storage());
  const name = checkpointName(target.name, source.name);
  const raw = await store.read(name);
  const saved = raw === undefined || request.restart ? undefined : parseCheckpoint(raw, store.where(name));
  if (saved) assertSameStart(saved, start, request.command);
  const checkpoint: BackfillCheckpoint = saved ?? {
    schemaVersion: 1,
    target: target.name,
    subscription: target.subscription,
    source: source.name,
    start,
    status: 'running',
    continuation: null,
    counts: emptyCounts(),
    runs: 1,
    startedAt: now(),
    updatedAt: now(),
    completedAt: null,
  };
  const run = emptyCounts();
  const result = (outcome: BackfillOutcome): BackfillResult => ({
    outcome,
    dryRun,
    target: target.name,
    subscription: target.subscription,
    source: source.name,
    start,
    resumed: saved !== undefined && outcome !== 'already-completed',
    run: { ...run, elapsedMs: (clock?.now() ?? Date.now()) - started, rateLimitedMs: limits.waitedMs },
    total: dryRun ? { ...run } : checkpoint.counts,
    checkpoint: store.where(name),
    quarantineContainer: ctx.config.settings.COSMOS_SYNC_QUARANTINE_CONTAINER,
    completedAt: checkpoint.completedAt,
  });
  if (saved?.status === 'completed') return result('already-completed');
  if (saved && saved.subscription !== target.subscription) checkpoint.subscription = target.subscription;

  const save = async () => {
    checkpoint.updatedAt = now();
    await store.write(name, checkpoint);
  };
  if (!dryRun) {
    if (saved) checkpoint.runs += 1;
    // Saved before the first read, so a second run of the same backfill elsewhere is refused at once.
    await save();
  }

  const container = ctx.sourceContainer(source);
  const label = `${source.database}/${source.container}`;
  const progress = createProgress(io.stderr, {
    label: `${dryRun ? 'dry run: ' : ''}backfill ${source.name} → ${target.name}`,
  });
  if (start.from === 'beginning') {
    const count = await documentCountOf(container);
    if (count !== undefined) progress.setTotal(Math.max(1, count - checkpoint.counts.documents));
  }
  const feed = await SourceFeed.open(container, {
    start,
    continuation: checkpoint.continuation ?? undefined,
    pageSize: limits.pageSize(source.maxItemsPerInvocation),
    label,
  });
  const publisher = dryRun ? undefined : targetedPublisher(ctx, source, target, 'backfill', io.stderr);
  const mapping = latestVersionSourceOf(ctx, source);
  const signal = io.signal;
  const complete = async (continuation: string, charge: Partial<BackfillCounts>, endedBy: EndedBy) => {
    if (!dryRun) {
      add(checkpoint.counts, charge);
      checkpoint.status = 'completed';
      checkpoint.completedAt = now();
      checkpoint.continuation = continuation;
      await save();
    }
    progress.finish();
    return { ...result('completed'), endedBy };
  };

  for (;;) {
    if (!(await limits.beforeRead(signal))) break;
    const page = await feed.next();
    limits.afterRead(page.requestCharge);
    const charge = { requestCharge: page.requestCharge };
    add(run, charge);
    if (page.caughtUp) return complete(page.continuation, charge, 'not-modified');
    if (page.items.length === 0) continue;
    // Aborted while waiting for the rate limit: this page is not published, and the checkpoint stays before it.
    if (!(await limits.beforePublish(page.items.length, signal))) break;
    const sent = publisher
      ? await publisher.publish(page.items)
      : dryRunSummary(page.items.map((item) => mapLatestVersionItem(item, mapping).ok));
    const counts = { pages: 1, documents: page.items.length, published: sent.published, quarantined: sent.quarantined };
    add(run, counts);
    if (!dryRun) {
      add(checkpoint.counts, { ...counts, ...charge });
      checkpoint.continuation = page.continuation;
      await save();
    }
    progress.advance(page.items.length, `page ${run.pages}`);
    if (page.onlyNewChangesLeft) return complete(page.continuation, {}, 'only-new-changes');
    if (signal?.aborted) break;
  }
  progress.finish();
  return result('interrupted');
}

/** What a dry run would have sent: every mappable item, the rest to quarantine (the size check needs a real send). */
function dryRunSummary(mappable: readonly boolean[]): { published: number; quarantined: number } {
  const published = mappable.filter(Boolean).length;
  return { published, quarantined: mappable.length - published };
}
