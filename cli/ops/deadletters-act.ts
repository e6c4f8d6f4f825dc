/**
 * `deadletters replay` and `deadletters purge`, once their options are parsed: select as `list` does, stop there with
 * `--dry-run`, else run the action over the selection with progress on stderr, then report counts and the exit code
 * (cli/ops/exit.ts): 0 all done, 1 some items failed (listed, left where they were), 130 interrupted.
 */
import { UsageError } from '../errors.js';
import type { CliIo } from '../program.js';
import type { OpsContext } from './context.js';
import { purgeAction, replayAction } from './deadletters-actions.js';
import { itemJson } from './deadletters-item.js';
import { replayIdOf } from './deadletters-replay-message.js';
import { runOverItems, type RunReport } from './deadletters-run.js';
import {
  interrupted,
  json,
  open,
  plural,
  summary,
  table,
  write,
  type ActOptions,
  type OnClose,
} from './deadletters-session.js';
import { listDeadLetters, type DeadLetterStores, type Listing } from './deadletters-stores.js';
import { OPS_EXIT } from './exit.js';
import { createProgress } from './progress.js';

/** What replay and purge share: select, stop at --dry-run, run with progress, report. */
async function act(
  io: CliIo,
  options: ActOptions,
  onClose: OnClose,
  verb: 'replay' | 'purge',
): Promise<{ stores: DeadLetterStores; context: OpsContext; listing: Listing; now: Date } | number> {
  const { stores, context } = open(io, options, onClose);
  const now = new Date();
  const listing = await listDeadLetters(stores, options.filter, { limit: options.limit, signal: io.signal, now });
  if (listing.interrupted) return interrupted(io, 'listing what to ' + verb);
  if (options.dryRun === true) {
    const subscription = stores.target.subscription;
    if (options.json === true) {
      const items = listing.items.map((item) => ({
        ...itemJson(item, now),
        ...(verb === 'replay' ? { replayMessageId: replayIdOf(item, subscription) } : {}),
      }));
      json(io, {
        dryRun: true,
        action: verb,
        target: stores.target.name,
        subscription,
        truncated: listing.truncated,
        items,
      });
    } else {
      if (listing.items.length > 0) write(io, `${table(io, listing.items, now)}\n`);
      const count = plural(listing.items.length, 'dead letter');
      const what =
        verb === 'replay' ? `replay ${count} to subscription ${subscription} only` : `delete ${count} for good`;
      write(io, `${summary(stores, listing)}\ndry run: would ${what}; nothing was changed`);
    }
    return OPS_EXIT.ok;
  }
  if (listing.items.length === 0) {
    const none: RunReport = { selected: 0, done: 0, skipped: 0, failed: 0, problems: [], interrupted: false };
    return report(io, options, stores, none, verb === 'replay' ? 'sent' : 'deleted');
  }
  return { stores, context, listing, now };
}

function report(io: CliIo, options: ActOptions, stores: DeadLetterStores, run: RunReport, doneWord: string): number {
  if (options.json === true) {
    json(io, { target: stores.target.name, subscription: stores.place.subscription, ...run, [doneWord]: run.done });
  } else {
    const counts = `${doneWord} ${run.done}, skipped ${run.skipped}, failed ${run.failed} of ${run.selected}`;
    write(io, `${counts} (target ${stores.target.name}, subscription ${stores.place.subscription})`);
    for (const problem of run.problems) write(io, `  ${problem.id}: ${problem.status}: ${problem.detail ?? ''}`);
  }
  if (run.interrupted) {
    io.stderr.write(
      `interrupted after ${run.done + run.skipped + run.failed} of ${run.selected}: what was ${doneWord} is settled, ` +
        'the rest is untouched; run the same command again to go on\n',
    );
    return OPS_EXIT.interrupted;
  }
  return run.failed > 0 ? OPS_EXIT.findings : OPS_EXIT.ok;
}

export async function runReplay(io: CliIo, options: ActOptions, onClose: OnClose): Promise<number> {
  const selected = await act(io, options, onClose, 'replay');
  if (typeof selected === 'number') return selected;
  const { stores, context, listing } = selected;
  const action = replayAction(stores, {
    sessionBuckets: context.config.settings.COSMOS_SYNC_SESSION_BUCKETS,
    sources: context.config.sources,
  });
  onClose(() => action.close());
  const progress = createProgress(io.stderr, { label: 'replay', total: listing.items.length });
  const run = await runOverItems(stores, listing.items, action, {
    batchSize: options.batchSize,
    signal: io.signal,
    progress,
    doneWord: 'sent',
  });
  return report(io, options, stores, run, 'sent');
}

export async function runPurge(io: CliIo, options: ActOptions & { yes?: boolean }, onClose: OnClose): Promise<number> {
  const selected = await act(io, options, onClose, 'purge');
  if (typeof selected === 'number') return selected;
  const { stores, listing } = selected;
  if (listing.items.length > 0 && options.yes !== true) {
    const queued = listing.items.filter((item) => item.kind === 'dlq').length;
    throw new UsageError(
      `purge would delete ${plural(listing.items.length, 'dead letter')} of target ${stores.target.name} for good ` +
        `(${queued} from the dead-letter queue, ${listing.items.length - queued} poison records); add --yes to delete ` +
        'them, or --dry-run to list them',
    );
  }
  const progress = createProgress(io.stderr, { label: 'purge', total: listing.items.length });
  const run = await runOverItems(stores, listing.items, purgeAction(stores), {
    batchSize: options.batchSize,
    signal: io.signal,
    progress,
    doneWord: 'deleted',
  });
  return report(io, options, stores, run, 'deleted');
}
