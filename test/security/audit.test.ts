/** The CI dependency audit's reading of npm's output (dev/audit.ts): real findings fail, a missing audit does not. */
import { describe, expect, it } from 'vitest';
import { auditVerdict } from '../../dev/audit.js';

const report = (counts: Record<string, number>, vulnerabilities: Record<string, { severity: string }> = {}) =>
  JSON.stringify({
    auditReportVersion: 2,
    vulnerabilities,
    metadata: { vulnerabilities: { info: 0, low: 0, moderate: 0, high: 0, critical: 0, total: 0, ...counts } },
  });

describe('auditVerdict', () => {
  it('passes a clean report, and one with only moderate and low advisories', () => {
    expect(auditVerdict(report({})).kind).toBe('clean');
    const verdict = auditVerdict(report({ moderate: 2, low: 1 }, { a: { severity: 'moderate' } }));
    expect(verdict).toMatchObject({ kind: 'clean' });
    expect(verdict.message).toContain('moderate 2');
  });

  it.each(['high', 'critical'])('fails on a %s advisory and names the package', (severity) => {
    const verdict = auditVerdict(
      report({ [severity]: 1, low: 1 }, { 'bad-pkg': { severity }, 'meh-pkg': { severity: 'low' } }),
    );
    expect(verdict).toMatchObject({ kind: 'findings', packages: [`bad-pkg (${severity})`] });
    expect(verdict.message).toContain('bad-pkg');
  });

  it.each([
    [
      'a registry without the advisories API',
      JSON.stringify({
        message: '405 Method Not Allowed - POST https://registry/-/npm/v1/security/advisories/bulk',
        statusCode: 405,
      }),
    ],
    [
      'no network',
      JSON.stringify({
        error: { code: 'ENOTFOUND', summary: 'request to https://registry.npmjs.org failed', detail: '' },
      }),
    ],
    ['no output', ''],
    ['not JSON', 'npm ERR! something'],
  ])('says it could not run on %s', (_case, stdout) => {
    const verdict = auditVerdict(stdout);
    expect(verdict.kind).toBe('unavailable');
    expect(verdict.message).toMatch(/^npm audit could not run \(.+\)$/s);
  });
});
