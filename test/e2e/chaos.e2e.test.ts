/**
 * The short fault storm: `npm run chaos` as a user runs it, for 15 seconds of faults on two instances with a fixed
 * seed, in all-versions mode (hard deletes and TTL expiries). It must exit 0 and its report must show every count at
 * zero on every sample target, with the faults, duplicates and poison it claims to have injected actually injected.
 * The long storm (`npm run chaos`, three minutes by default) is run by hand; docs/chaos.md has its figures.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { requireSamplePostgres, requireSampleRedis } from '../support/sample-services.js';

const postgres = await requireSamplePostgres();
const redis = await requireSampleRedis();
const RUN = fileURLToPath(new URL('../../dev/chaos/run.ts', import.meta.url));
const SEED = 18;

function runChaos(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', RUN, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('utf8')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('utf8')));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** The numbers of one target row: missing, stale, resurrected, extra, duplicates sent. */
function rowOf(report: string, target: string): number[] | undefined {
  const line = report.split('\n').find((text) => text.trimStart().startsWith(`${target} `));
  const numbers = line?.match(/\s(\d+)(?=\s)/g)?.map((text) => Number(text.trim()));
  return numbers?.slice(0, 5);
}

describe.runIf(postgres && redis)('npm run chaos, short', () => {
  it('converges on every target with every count at zero after kills, cuts, hangs, duplicates and poison', async () => {
    const { code, stdout, stderr } = await runChaos(['--seed', String(SEED), '--seconds', '20', '--timeout', '150']);
    // The report always; the run's log too when it failed, since the report alone rarely says why.
    if (code !== 0) console.error(stderr.slice(-20_000));
    console.log(stdout);
    expect(stdout).toContain('verdict          PASS: every count is zero');
    expect(code).toBe(0);
    expect(stdout).toContain('skipped targets  none');
    expect(stdout).toContain(`seed             ${SEED}`);
    for (const target of ['orders-copy', 'orders-blob', 'orders-webhook', 'orders-pg', 'orders-redis']) {
      const row = rowOf(stdout, target);
      expect(row, `${target} row`).toHaveLength(5);
      expect(row?.slice(0, 4), `${target}: missing, stale, resurrected, extra`).toEqual([0, 0, 0, 0]);
      expect(stdout).toMatch(new RegExp(`${target}\\s+poison records: .*; 0 events dead-lettered`));
    }
    // What the run says it injected: some faults, copies and poison of both kinds, all accounted for.
    expect(stdout).toMatch(/faults {11}\S/);
    expect(stdout).not.toContain('faults           none');
    const copies = ['orders-copy', 'orders-blob', 'orders-webhook', 'orders-pg', 'orders-redis']
      .map((target) => rowOf(stdout, target)?.[4] ?? 0)
      .reduce((sum, count) => sum + count, 0);
    expect(copies).toBeGreaterThan(0);
    expect(stdout).toMatch(/poison documents \d+ written, \d+ quarantined \(MISSING_PARTITION_KEY\), 0 unaccounted/);
    expect(stdout).not.toContain('UNACCOUNTED');
    expect(stdout).toMatch(/hard deletes [1-9]/);
  }, 300_000);
});
