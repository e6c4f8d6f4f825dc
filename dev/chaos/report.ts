/** The chaos run's final report: the seed to replay it, what was done, and the counts that must all be zero. */
import type { FaultRecord } from './faults.js';
import type { PoisonVerdict, TargetVerdict } from './verdict.js';

export interface ChaosReport {
  seed: number;
  seconds: number;
  keys: number;
  instances: number;
  writes: Record<string, number>;
  faults: FaultRecord[];
  skipped: string[];
  converged: Record<string, string>;
  targets: TargetVerdict[];
  poison: PoisonVerdict;
  deadLettered: Record<string, number>;
  hostErrors: number;
  hostErrorSamples: string[];
  replay: string;
}

/** The number that decides the exit code: every loss, staleness, resurrection, extra and unaccounted poison. */
export function failures(report: ChaosReport): number {
  return (
    report.targets.reduce((sum, t) => sum + t.missing + t.stale + t.resurrected + t.extra, 0) +
    report.poison.unaccounted.length
  );
}

export function renderReport(report: ChaosReport): string {
  const byKind = new Map<string, { count: number; failed: number }>();
  for (const fault of report.faults) {
    const entry = byKind.get(fault.kind) ?? { count: 0, failed: 0 };
    entry.count += 1;
    if (fault.error) entry.failed += 1;
    byKind.set(fault.kind, entry);
  }
  const header = `  ${'target'.padEnd(16)}${'missing'.padStart(9)}${'stale'.padStart(8)}${'resurrected'.padStart(13)}${'extra'.padStart(8)}${'dead-lettered'.padStart(15)}  converged`;
  const rows = report.targets.map(
    (t) =>
      `  ${t.target.padEnd(16)}${String(t.missing).padStart(9)}${String(t.stale).padStart(8)}${String(t.resurrected).padStart(13)}${String(t.extra).padStart(8)}${String(report.deadLettered[t.target] ?? 'n/a').padStart(15)}  ${report.converged[t.target] ?? ''}`,
  );
  const examples = report.targets.flatMap((t) => t.examples.map((line) => `  ${t.target}: ${line}`));
  const total = failures(report);
  return [
    '',
    'cosmos-sync chaos report',
    `  seed             ${report.seed}   (replay: ${report.replay})`,
    `  run              ${report.seconds} s of faults, ${report.keys} keys, ${report.instances} instance(s)`,
    `  writes           ${Object.entries(report.writes)
      .map(([kind, count]) => `${kind} ${count}`)
      .join(', ')}`,
    `  faults           ${report.faults.length === 0 ? 'none' : [...byKind].map(([kind, { count, failed }]) => `${kind} x${count}${failed ? ` (${failed} failed)` : ''}`).join(', ')}`,
    `  skipped targets  ${report.skipped.length === 0 ? 'none' : report.skipped.join('; ')}`,
    header,
    ...rows,
    `  poison           ${report.poison.written} written, ${report.poison.quarantined} quarantined (MISSING_PARTITION_KEY), ${report.poison.unaccounted.length} unaccounted${report.poison.unaccounted.length ? `: ${report.poison.unaccounted.slice(0, 10).join(', ')}` : ''}`,
    `  host errors      ${report.hostErrors} error log lines (expected under faults; not counted in the verdict)`,
    ...report.hostErrorSamples.map((line) => `    ${line}`),
    ...(examples.length ? ['  examples', ...examples] : []),
    `  verdict          ${total === 0 ? 'PASS: every count is zero' : `FAIL: ${total} problem(s)`}`,
  ].join('\n');
}
