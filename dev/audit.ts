/**
 * Dependency audit for CI: `npm audit --omit=dev --json` (what is deployed, not the dev tooling), failing on any high
 * or critical advisory. When the audit endpoint cannot be reached (no network, a registry mirror or proxy without the
 * advisories API, which answers 404/405), the check says it could not run and passes: a missing audit must not fail CI
 * falsely, and it must not pass silently either. `COSMOS_SYNC_AUDIT_REQUIRED=1` turns "could not run" into a failure,
 * for pipelines that always have the endpoint.
 *
 * Run: `npx tsx dev/audit.ts` (exit 0 clean or unavailable, 1 findings or unavailable when required).
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

export type AuditVerdict =
  | { kind: 'clean'; message: string }
  | { kind: 'findings'; message: string; packages: string[] }
  | { kind: 'unavailable'; message: string };

const BLOCKING = ['high', 'critical'] as const;

/** The parts of npm's audit report (format 2, npm 7 and later) this check reads. */
const reportSchema = z.object({
  metadata: z.object({
    vulnerabilities: z.object({
      info: z.number().default(0),
      low: z.number().default(0),
      moderate: z.number().default(0),
      high: z.number().default(0),
      critical: z.number().default(0),
    }),
  }),
  vulnerabilities: z.record(z.string(), z.object({ severity: z.string() })).default({}),
});

/** What npm prints when the audit itself failed: `{ message, statusCode }` or `{ error: { code, summary } }`. */
function failureReason(parsed: unknown): string {
  const shape = parsed as { message?: unknown; error?: { summary?: unknown; code?: unknown } } | null;
  if (typeof shape?.message === 'string' && shape.message) return shape.message;
  const summary = shape?.error?.summary;
  if (typeof summary === 'string' && summary) return summary;
  if (typeof shape?.error?.code === 'string') return shape.error.code;
  return 'npm printed no audit report';
}

/** Classifies the JSON `npm audit --json` printed. Pure, so each form is tested on its own. */
export function auditVerdict(stdout: string): AuditVerdict {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    return {
      kind: 'unavailable',
      message: `npm audit could not run (no JSON report: ${stdout.trim().slice(0, 200) || 'empty output'})`,
    };
  }
  const report = reportSchema.safeParse(parsed);
  if (!report.success) return { kind: 'unavailable', message: `npm audit could not run (${failureReason(parsed)})` };
  const counts = report.data.metadata.vulnerabilities;
  const packages = Object.entries(report.data.vulnerabilities)
    .filter(([, entry]) => (BLOCKING as readonly string[]).includes(entry.severity))
    .map(([name, entry]) => `${name} (${entry.severity})`)
    .sort();
  const summary = `critical ${counts.critical}, high ${counts.high}, moderate ${counts.moderate}, low ${counts.low}`;
  if (counts.high + counts.critical > 0) {
    return {
      kind: 'findings',
      packages,
      message: `npm audit --omit=dev: ${summary}; fix before merging (npm audit fix, or update the package named): ${packages.join(', ')}`,
    };
  }
  return { kind: 'clean', message: `npm audit --omit=dev: no high or critical advisories (${summary})` };
}

function runNpmAudit(): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn('npm', ['audit', '--omit=dev', '--json'], { stdio: ['ignore', 'pipe', 'ignore'] });
    const chunks: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => chunks.push(chunk));
    child.on('error', reject);
    // npm exits non-zero both for findings and for a failed audit; the JSON says which.
    child.on('close', () => resolve(Buffer.concat(chunks).toString('utf8')));
  });
}

async function main(): Promise<number> {
  const verdict = auditVerdict(await runNpmAudit());
  if (verdict.kind === 'unavailable') {
    const required = process.env['COSMOS_SYNC_AUDIT_REQUIRED'] === '1';
    process.stderr.write(
      `${required ? 'error' : 'warning'}: ${verdict.message}; the dependency audit was NOT checked\n`,
    );
    return required ? 1 : 0;
  }
  (verdict.kind === 'findings' ? process.stderr : process.stdout).write(`${verdict.message}\n`);
  return verdict.kind === 'findings' ? 1 : 0;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.exitCode = await main();
