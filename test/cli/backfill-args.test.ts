/**
 * `cosmos-sync backfill` and `verify` refuse bad arguments before touching any service: in-process through runCli
 * with captured streams, on the `npm start` default settings (nothing needs to run). Exit 64, one line on stderr.
 */
import { describe, expect, it } from 'vitest';
import { runCli, type CliIo } from '../../cli/program.js';
import { localDefaultAppSettings } from '../../dev/local-defaults.js';

async function run(args: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env,
  };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}

function expectUsage(result: { code: number; stdout: string; stderr: string }, ...parts: string[]): void {
  expect(result.code).toBe(64);
  expect(result.stdout).toBe('');
  expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  for (const part of parts) expect(result.stderr).toContain(part);
}

describe('cosmos-sync backfill: bad arguments', () => {
  it.each([
    [['--rate', '0'], "'--rate <docs/s>' argument '0' is invalid"],
    [['--rate', '-5'], 'expected a number above 0 per second'],
    [['--rate', 'fast'], 'got "fast"'],
    [['--ru', '0'], "'--ru <RU/s>' argument '0' is invalid"],
    [['--ru', ''], 'expected a number above 0 per second'],
    [['--since', 'yesterday'], 'expected an ISO 8601 date'],
    [['--since', '2025-13-45'], 'expected an ISO 8601 date'],
    [['--since', '2025-03-01T12:00:00'], 'expected an ISO 8601 date'],
    [['--since', '2999-01-01'], 'is in the future'],
  ])('%j', async (args, message) => {
    expectUsage(await run(['backfill', '--target', 'orders-copy', ...args]), message, 'cosmos-sync backfill --help');
  });

  it('needs --target', async () => {
    expectUsage(await run(['backfill']), "required option '--target <name>' not specified");
  });

  it('names the known targets and sources when given an unknown one', async () => {
    expectUsage(
      await run(['backfill', '--target', 'nope']),
      'no target named "nope"',
      'npm start defaults',
      'targets: orders-copy',
    );
    expectUsage(await run(['backfill', '--target', 'orders-copy', '--source', 'nope']), 'sources: orders');
  });

  it('refuses a source the target does not receive', async () => {
    const settings = localDefaultAppSettings();
    const sources = JSON.parse(settings['COSMOS_SYNC_SOURCES'] as string) as Record<string, unknown>[];
    const targets = JSON.parse(settings['COSMOS_SYNC_TARGETS'] as string) as Record<string, unknown>[];
    const env = {
      ...settings,
      COSMOS_SYNC_SOURCES: JSON.stringify([...sources, { ...sources[0], name: 'users', container: 'users' }]),
      COSMOS_SYNC_TARGETS: JSON.stringify(targets.map((target) => ({ ...target, sources: ['orders'] }))),
    };
    expectUsage(
      await run(['backfill', '--target', 'orders-copy', '--source', 'users'], env),
      'target "orders-copy" does not receive events of source "users" (its sources: orders)',
    );
    const allSources = { ...env, COSMOS_SYNC_TARGETS: JSON.stringify(targets) };
    expectUsage(await run(['verify', '--target', 'orders-copy'], allSources), 'several sources (orders, users)');
  });

  it('reports settings that do not parse as a usage error', async () => {
    expectUsage(
      await run(['backfill', '--target', 'orders-copy'], { COSMOS_SYNC_TARGETS: '[', COSMOS_SYNC_SOURCES: '[]' }),
      'the app settings from environment are not valid',
    );
  });

  it('documents the checkpoint and the exit codes in --help', async () => {
    const help = await run(['backfill', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('backfill/<target>/<source>.json');
    expect(help.stdout).toContain('130 interrupted');
  });
});
