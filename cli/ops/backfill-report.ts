/** What a backfill prints on stdout when it ends: a short summary, or the result as JSON (`--json`). */
import type { BackfillResult } from './backfill-run.js';
import { OPS_EXIT } from './exit.js';
import { describeStart } from './backfill-checkpoint.js';

export function backfillExitCode(result: BackfillResult): number {
  if (result.outcome === 'interrupted') return OPS_EXIT.interrupted;
  // Quarantined documents were not sent: the run is done, but something was left behind.
  return result.outcome === 'completed' && result.run.quarantined > 0 ? OPS_EXIT.findings : OPS_EXIT.ok;
}

export function backfillJson(result: BackfillResult): string {
  return `${JSON.stringify({ schemaVersion: 1, ...result, exitCode: backfillExitCode(result) }, null, 2)}\n`;
}

const number = (value: number) => value.toLocaleString('en-US');

function seconds(ms: number): string {
  return ms < 60_000
    ? `${(ms / 1000).toFixed(1)} s`
    : `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

export function backfillText(result: BackfillResult, command: string): string {
  const route = `${result.source} → ${result.target} (subscription ${result.subscription})`;
  if (result.outcome === 'already-completed') {
    return (
      `backfill ${route} already completed on ${result.completedAt ?? '?'}: ` +
      `${number(result.total.published)} published over ${number(result.total.pages)} pages. ` +
      `Nothing to do; add --restart to run it again.\n`
    );
  }
  const caughtUp =
    result.endedBy === 'only-new-changes'
      ? 'only changes made after it began are left, which the live pipeline delivers'
      : 'caught up with the feed';
  const head = {
    completed: result.dryRun ? `dry run finished, ${caughtUp} (nothing sent, nothing saved)` : `completed: ${caughtUp}`,
    interrupted: result.dryRun ? 'dry run interrupted' : 'interrupted; progress saved',
  }[result.outcome];
  const run = result.run;
  const lines = [
    `backfill ${route}: ${head}`,
    `  from          ${describeStart(result.start)}${result.resumed ? ' (resumed from the checkpoint)' : ''}`,
    `  ${result.dryRun ? 'would publish' : 'published    '} ${number(run.published)}`,
    `  quarantined   ${number(run.quarantined)}${run.quarantined > 0 && !result.dryRun ? ` (blob container ${result.quarantineContainer}, folder ${result.source}/)` : ''}`,
    `  documents     ${number(run.documents)} in ${number(run.pages)} pages, ${run.requestCharge.toFixed(1)} RU read`,
    `  elapsed       ${seconds(run.elapsedMs)}${run.rateLimitedMs > 0 ? ` (${seconds(run.rateLimitedMs)} waiting for the rate limits)` : ''}`,
  ];
  if (!result.dryRun && (result.resumed || result.outcome === 'interrupted')) {
    lines.push(`  all runs      ${number(result.total.published)} published, ${number(result.total.pages)} pages`);
  }
  if (!result.dryRun) lines.push(`  checkpoint    ${result.checkpoint}`);
  if (result.outcome === 'interrupted' && !result.dryRun) lines.push(`Run \`${command}\` again to resume.`);
  return `${lines.join('\n')}\n`;
}
