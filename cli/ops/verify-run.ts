/**
 * The verify passes. 1: drain the source's change feed from the beginning (LatestVersion: one item per live or
 * soft-deleted document, with `_lsn`, which point reads and queries do not return), asking the target for each page's
 * versions at once (or, with a sample, only filling the reservoir). 2 (full runs): walk what the target holds for the
 * source; a live document whose key the source lacks is an extra. 3: read the feed on to now, so documents changed
 * meanwhile are judged at their new version. 4: once the live pipeline has had a moment for the latest differences,
 * ask the target again about every differing key and keep only those still differing.
 */
import type { SourceConfig, TargetConfig } from '../../shared/config/schema.js';
import { mapLatestVersionItem } from '../../shared/events/map-change.js';
import type { DocumentRef } from '../../shared/targets/target.js';
import type { CliIo } from '../program.js';
import type { OpsContext } from './context.js';
import { createProgress } from './progress.js';
import { SourceFeed } from './source-feed.js';
import { latestVersionSourceOf, targetedPublisher } from './targeted-publisher.js';
import { systemClock, type Clock } from './token-bucket.js';
import { classify, keyOf, type SourceVersion } from './verify-compare.js';
import { findExtras, READ_CHUNK, recheck } from './verify-target-reads.js';
import { VerifyLedger } from './verify-ledger.js';
import { repair, type RepairResult } from './verify-repair.js';
import { Reservoir } from './verify-sample.js';

export interface VerifyRequest {
  target: TargetConfig;
  source: SourceConfig;
  sample?: number | undefined;
  repair: boolean;
  clock?: Clock;
  /** How long after the last difference was found the re-check waits; default 5 s. */
  settleMs?: number;
}

export interface Unmappable {
  documentId: string | undefined;
  code: string;
}

export interface VerifyRun {
  outcome: 'finished' | 'interrupted';
  ledger: VerifyLedger;
  /** Change-feed items read (a document changed during the run is read again). */
  itemsRead: number;
  unmappable: { count: number; examples: Unmappable[] };
  /** Documents the target holds for the source, tombstones included (full runs). */
  held?: { total: number; live: number };
  recheck: { rechecked: number; resolved: number };
  repair?: RepairResult;
  requestCharge: number;
  elapsedMs: number;
}

/** Differing documents whose change-feed item is kept for --repair; past it, a backfill is the repair. */
export const REPAIR_ITEM_LIMIT = 10_000;

interface Entry {
  key: string;
  ref: DocumentRef;
  source: SourceVersion;
  item: unknown;
}

class Interrupted extends Error {}

export async function runVerify(ctx: OpsContext, io: CliIo, request: VerifyRequest): Promise<VerifyRun> {
  const { source, sample } = request;
  const clock = request.clock ?? systemClock;
  const started = clock.now();
  const signal = io.signal;
  const mapping = latestVersionSourceOf(ctx, source);
  const target = await ctx.openTarget(request.target);
  const ledger = new VerifyLedger(request.repair ? REPAIR_ITEM_LIMIT : 0, () => clock.now());
  const reservoir = sample === undefined ? undefined : new Reservoir<Entry>(sample);
  const run: VerifyRun = {
    outcome: 'finished',
    ledger,
    itemsRead: 0,
    unmappable: { count: 0, examples: [] },
    recheck: { rechecked: 0, resolved: 0 },
    requestCharge: 0,
    elapsedMs: 0,
  };
  const progress = createProgress(io.stderr, {
    label: `verify ${source.name} → ${request.target.name}${sample === undefined ? '' : ` (sample of ${sample})`}`,
  });
  const feed = await SourceFeed.open(ctx.sourceContainer(source), {
    start: { from: 'beginning' },
    pageSize: source.maxItemsPerInvocation,
    label: `${source.database}/${source.container}`,
  });
  const detail = () => (reservoir ? `${reservoir.values().length} sampled` : `${ledger.differences} differing so far`);
  const checkAbort = () => {
    if (signal?.aborted) throw new Interrupted();
  };

  const entriesOf = (items: readonly unknown[]): Entry[] =>
    items.flatMap((item) => {
      const mapped = mapLatestVersionItem(item, mapping);
      if (!mapped.ok) {
        run.unmappable.count += 1;
        if (run.unmappable.examples.length < 5) {
          run.unmappable.examples.push({ documentId: mapped.documentId, code: mapped.code });
        }
        return [];
      }
      const { documentId, partitionKey, version, operation } = mapped.event;
      const ref = { source: source.name, documentId, partitionKey };
      return [{ key: keyOf(ref), ref, source: { version, deleted: operation === 'delete' }, item }];
    });

  const judge = async (entries: readonly Entry[]) => {
    for (let start = 0; start < entries.length; start += READ_CHUNK) {
      const chunk = entries.slice(start, start + READ_CHUNK);
      const held = await target.readVersions(
        chunk.map((entry) => entry.ref),
        signal,
      );
      chunk.forEach((entry, index) => {
        const version = held[index];
        ledger.record(entry.key, classify(entry.source, version), entry.ref, entry.source, version, entry.item);
      });
    }
  };

  const readToNow = async (onEntries: (entries: Entry[]) => Promise<void>) => {
    for (;;) {
      checkAbort();
      const page = await feed.next();
      run.requestCharge += page.requestCharge;
      if (page.caughtUp) return;
      run.itemsRead += page.items.length;
      await onEntries(entriesOf(page.items));
      progress.advance(page.items.length, detail());
      if (page.onlyNewChangesLeft) return;
    }
  };

  try {
    if (reservoir) {
      await readToNow(async (entries) => entries.forEach((entry) => reservoir.offer(entry.key, entry)));
      await judge(reservoir.values());
      // Documents changed since: only the sampled ones matter.
      await readToNow((entries) => judge(entries.filter((entry) => ledger.sourceKeys.has(entry.key))));
    } else {
      await readToNow(judge);
      run.held = await findExtras(target, source.name, ledger, signal);
      checkAbort();
      await readToNow(judge);
    }
    // The progress line is about reading the feed, which is done; the re-check and a repair print their own results.
    progress.finish();
    await recheck(target, ledger, run.recheck, clock, request.settleMs ?? 5_000, signal);
    checkAbort();
    if (request.repair && ledger.differences > 0) {
      const publisher = targetedPublisher(ctx, source, request.target, 'repair', io.stderr);
      run.repair = await repair(ledger, publisher, source.partitionKeyPaths);
    }
  } catch (error) {
    if (!(error instanceof Interrupted) && !signal?.aborted) throw error;
    progress.finish();
    run.outcome = 'interrupted';
  }
  run.elapsedMs = clock.now() - started;
  return run;
}
