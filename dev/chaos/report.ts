/** The chaos run's final report: the seed to replay it, what was done, and the counts that must all be zero. */
import type { FaultRecord } from './faults.js';
import type { MessageVerdict } from './message-verdict.js';
import type { PoisonVerdict, TargetVerdict } from './verdict.js';

export interface ChaosReport {
  seed: number;
  seconds: number;
  keys: number;
  instances: number;
  mode: string;
  writes: Record<string, number>;
  faults: FaultRecord[];
  /** Copies of delivered messages sent back to each subscription later (duplicated, out of order). */
  duplicates: Record<string, number>;
  skipped: string[];
  converged: Record<string, string>;
  targets: TargetVerdict[];
  poison: PoisonVerdict;
  messages: MessageVerdict[];
  /** Settlements that failed because the lock was gone (expired, or its link was cut): evidence the faults bit. */
  locksLost: number;
  hostErrors: number;
  hostErrorSamples: string[];
  replay: string;
}

/**
 * The number that decides the exit code: every loss, staleness, resurrection, extra, unaccounted poison document or
 * message, and every event dead-lettered.
 */
export function failures(report: ChaosReport): number {
  return (
    report.targets.reduce((sum, t) => sum + t.missing + t.stale + t.resurrected + t.extra, 0) +
    report.poison.unaccounted.length +
    report.messages.reduce((sum, m) => sum + m.unaccounted.length + m.deadLetteredEvents, 0)
  );
}

const pad = (value: unknown, width: number) => String(value).padStart(width);

function faultSummary(faults: readonly FaultRecord[]): string {
  if (faults.length === 0) return 'none';
  const byKind = new Map<string, { count: number; failed: number; ms: number }>();
  for (const fault of faults) {
    const entry = byKind.get(fault.kind) ?? { count: 0, failed: 0, ms: 0 };
    entry.count += 1;
    entry.ms += fault.durationMs;
    if (fault.error) entry.failed += 1;
    byKind.set(fault.kind, entry);
  }
  return [...byKind]
    .map(
      ([kind, { count, failed, ms }]) =>
        `${kind} x${count} (${Math.round(ms / 1000)} s${failed ? `, ${failed} failed` : ''})`,
    )
    .join(', ');
}

function messageRow(m: MessageVerdict): string {
  const recorded = Object.entries(m.recorded)
    .map(([reason, count]) => `${reason} ${count}`)
    .join(', ');
  const unaccounted = m.unaccounted.length ? `; ${m.unaccounted.length} UNACCOUNTED (${m.unaccounted[0]} ...)` : '';
  const events = m.deadLetteredEvents
    ? `; ${m.deadLetteredEvents} EVENTS DEAD-LETTERED (${m.deadLetterReasons.join(' | ')})`
    : '; 0 events dead-lettered';
  return `    ${m.target.padEnd(16)} poison records: ${recorded || 'none'}; dead-lettered ${m.deadLettered}${unaccounted}${events}`;
}

export function renderReport(report: ChaosReport): string {
  const header = `  ${'target'.padEnd(16)}${pad('missing', 9)}${pad('stale', 8)}${pad('resurrected', 13)}${pad('extra', 8)}${pad('duplicates sent', 17)}  converged`;
  const rows = report.targets.map(
    (t) =>
      `  ${t.target.padEnd(16)}${pad(t.missing, 9)}${pad(t.stale, 8)}${pad(t.resurrected, 13)}${pad(t.extra, 8)}${pad(report.duplicates[t.target] ?? 0, 17)}  ${report.converged[t.target] ?? ''}`,
  );
  const examples = report.targets.flatMap((t) => t.examples.map((line) => `  ${t.target}: ${line}`));
  const total = failures(report);
  const poisonMessages = report.messages[0];
  const sentPoisonMessages = report.writes['poison messages'] ?? 0;
  return [
    '',
    'cosmos-sync chaos report',
    `  seed             ${report.seed}   (replay: ${report.replay})`,
    `  run              ${report.seconds} s of faults, ${report.keys} keys, ${report.instances} instance(s), ${report.mode}`,
    `  writes           ${Object.entries(report.writes)
      .map(([kind, count]) => `${kind} ${count}`)
      .join(', ')}`,
    `  faults           ${faultSummary(report.faults)}`,
    `  locks lost       ${report.locksLost} settlements failed on a lost lock (the message was delivered again)`,
    `  skipped targets  ${report.skipped.length === 0 ? 'none' : report.skipped.join('; ')}`,
    header,
    ...rows,
    `  poison documents ${report.poison.written} written, ${report.poison.quarantined} quarantined (MISSING_PARTITION_KEY), ${report.poison.unaccounted.length} unaccounted${report.poison.unaccounted.length ? `: ${report.poison.unaccounted.slice(0, 10).join(', ')}` : ''}`,
    `  poison messages  ${sentPoisonMessages} sent to every subscription${poisonMessages ? '' : ' (no target judged)'}`,
    ...report.messages.map(messageRow),
    `  host errors      ${report.hostErrors} error log lines (expected under faults; not counted in the verdict)`,
    ...report.hostErrorSamples.map((line) => `    ${line}`),
    ...(examples.length ? ['  examples', ...examples] : []),
    `  verdict          ${total === 0 ? 'PASS: every count is zero' : `FAIL: ${total} problem(s)`}`,
  ].join('\n');
}
