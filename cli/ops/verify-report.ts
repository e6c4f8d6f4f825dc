/** What verify prints on stdout: counts with a few examples per difference, or all of it as JSON (`--json`). */
import type { HeldVersion } from '../../shared/targets/target.js';
import { OPS_EXIT } from './exit.js';
import { DIFFERENCES, type Difference } from './verify-compare.js';
import type { DifferingDocument } from './verify-ledger.js';
import type { VerifyRun } from './verify-run.js';

export interface VerifySubject {
  target: string;
  subscription: string;
  source: string;
  sample?: number | undefined;
  /** The command to run verify again, for the closing hint. */
  command: string;
}

const EXAMPLES = 5;

const LABELS: Record<Difference | 'matching', string> = {
  matching: 'matching',
  missing: 'missing',
  stale: 'stale (target older)',
  deletedButPresent: 'deleted but present',
  extra: 'extra (not in source)',
  targetNewer: 'target newer (anomaly)',
};

export function verifyExitCode(run: VerifyRun): number {
  if (run.outcome === 'interrupted') return OPS_EXIT.interrupted;
  if (run.ledger.differences === 0) return OPS_EXIT.ok;
  const repaired = run.repair;
  if (!repaired) return OPS_EXIT.findings;
  const left = repaired.targetNewer + repaired.withoutItem + repaired.quarantined;
  return left > 0 ? OPS_EXIT.findings : OPS_EXIT.ok;
}

interface Example {
  documentId: string;
  partitionKey: unknown;
  source?: { lsn: number; ts: number; deleted: boolean };
  target?: { lsn: number; ts: number; deleted: boolean };
}

const versionOf = (held: HeldVersion | undefined) => held && { ...held.version, deleted: held.deleted };

function examples(run: VerifyRun): Record<Difference, Example[]> {
  const out = Object.fromEntries(DIFFERENCES.map((kind) => [kind, [] as Example[]])) as Record<Difference, Example[]>;
  for (const found of run.ledger.differing.values()) {
    const list = out[found.kind];
    if (list.length < EXAMPLES) list.push(exampleOf(found));
  }
  return out;
}

function exampleOf(found: DifferingDocument): Example {
  const source = found.source && { ...found.source.version, deleted: found.source.deleted };
  const target = versionOf(found.held);
  return {
    documentId: found.ref.documentId,
    partitionKey: found.ref.partitionKey,
    ...(source ? { source } : {}),
    ...(target ? { target } : {}),
  };
}

export function verifyJson(run: VerifyRun, subject: VerifySubject): string {
  const { command: _command, ...about } = subject;
  const body = {
    schemaVersion: 1,
    ...about,
    mode: subject.sample === undefined ? 'full' : 'sample',
    outcome: run.outcome,
    checked: run.ledger.sourceDocuments,
    itemsRead: run.itemsRead,
    unmappable: run.unmappable,
    ...(run.held ? { held: run.held } : {}),
    counts: run.ledger.counts,
    differences: run.ledger.differences,
    examples: examples(run),
    recheck: run.recheck,
    ...(run.repair ? { repair: run.repair } : {}),
    requestCharge: run.requestCharge,
    elapsedMs: run.elapsedMs,
    exitCode: verifyExitCode(run),
  };
  return `${JSON.stringify(body, null, 2)}\n`;
}

const number = (value: number) => value.toLocaleString('en-US');
const show = (version: Example['source']) =>
  version ? `${version.deleted ? 'deleted ' : ''}lsn ${version.lsn} ts ${version.ts}` : 'nothing';

function exampleLine(example: Example): string {
  const where = `${JSON.stringify(example.partitionKey)}/${example.documentId}`;
  return `      ${where}: source ${show(example.source)}, target ${show(example.target)}`;
}

export function verifyText(run: VerifyRun, subject: VerifySubject): string {
  const { ledger } = run;
  const scope = subject.sample === undefined ? 'every document' : `a random sample of ${number(subject.sample)}`;
  const lines = [
    `verify ${subject.source} → ${subject.target} (subscription ${subject.subscription}): ${scope}` +
      (run.outcome === 'interrupted' ? ' — INTERRUPTED, counts are partial' : ''),
    `  checked ${number(ledger.sourceDocuments)} source documents (${number(run.itemsRead)} change-feed items, ` +
      `${run.requestCharge.toFixed(1)} RU)` +
      (run.held ? `; the target holds ${number(run.held.live)} live (${number(run.held.total)} with tombstones)` : ''),
  ];
  const found = examples(run);
  for (const kind of ['matching', ...DIFFERENCES] as const) {
    if (kind === 'extra' && subject.sample !== undefined) {
      lines.push(`  ${LABELS.extra.padEnd(24)} not checked (a sample cannot find extras: run without --sample)`);
      continue;
    }
    lines.push(`  ${LABELS[kind].padEnd(24)} ${number(ledger.counts[kind]).padStart(9)}`);
    if (kind !== 'matching') lines.push(...found[kind].map(exampleLine));
  }
  if (run.unmappable.count > 0) {
    const codes = [...new Set(run.unmappable.examples.map((u) => u.code))].join(', ');
    lines.push(
      `  ${'not publishable'.padEnd(24)} ${number(run.unmappable.count).padStart(9)} (${codes}: quarantined by the app)`,
    );
  }
  if (run.recheck.rechecked > 0) {
    lines.push(
      `  re-checked ${number(run.recheck.rechecked)} differing at the end; ${number(run.recheck.resolved)} had caught up`,
    );
  }
  lines.push(...closing(run, subject));
  return `${lines.join('\n')}\n`;
}

function closing(run: VerifyRun, subject: VerifySubject): string[] {
  if (run.outcome === 'interrupted')
    return [`Interrupted: verify keeps no checkpoint; run \`${subject.command}\` again.`];
  const differences = run.ledger.differences;
  if (differences === 0) return ['Everything matches.'];
  const repaired = run.repair;
  if (!repaired) {
    const fixable = differences - run.ledger.counts.targetNewer;
    if (subject.sample !== undefined && fixable > 0) {
      const share = Math.round((100 * differences) / Math.max(1, run.ledger.sourceDocuments));
      return [
        `${number(differences)} of ${number(run.ledger.sourceDocuments)} sampled documents differ (about ${share}% of ` +
          `the source). \`--repair\` would fix the sampled ones only; \`npx cosmos-sync backfill --target ` +
          `${subject.target} --source ${subject.source}\` re-sends every document (add --restart if one ran before).`,
      ];
    }
    return [
      `${number(differences)} differences.` +
        (fixable > 0 ? ` Repair them with \`${subject.command} --repair\`.` : '') +
        (run.ledger.counts.targetNewer > 0 ? ' Target-newer documents cannot be repaired from this source.' : ''),
    ];
  }
  const lines = [
    `Repair: published ${number(repaired.resent)} source documents again and ${number(repaired.deletes)} deletes for extras ` +
      `to subscription ${subject.subscription} only.`,
  ];
  if (repaired.withoutItem > 0) {
    lines.push(
      `  ${number(repaired.withoutItem)} more differences exceed what one run keeps in memory: run ` +
        `\`npx cosmos-sync backfill --target ${subject.target} --source ${subject.source} --restart\` to re-send everything.`,
    );
  }
  if (repaired.quarantined > 0) lines.push(`  ${number(repaired.quarantined)} could not be published (quarantined).`);
  if (repaired.targetNewer > 0)
    lines.push(`  ${number(repaired.targetNewer)} target-newer documents left as they are.`);
  lines.push(`The target applies them in the background; run \`${subject.command}\` in a moment to confirm.`);
  return lines;
}
