/**
 * Out-of-range and malformed CLI arguments, one row each (docs/bad-inputs.md, "CLI"): each is exit 64 with one line on
 * stderr naming the option, the expected form and the help to read, before any service is contacted. Run in-process
 * through runCli on the `npm start` default settings, which nothing here ever reaches.
 */
import { describe, expect, it } from 'vitest';
import { systemClock } from '../../cli/ops/token-bucket.js';
import { runCli, type CliIo } from '../../cli/program.js';

async function run(argv: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env,
  };
  return { code: await runCli(argv, io), stdout, stderr };
}

const hook = ['--target', 'orders-copy'];

describe('bad CLI arguments are exit 64 with one line naming the problem', () => {
  it.each<[string[], string]>([
    [['status', '--timeout', '0'], 'expected a whole number of milliseconds above 0, e.g. 5000, got "0"'],
    [['status', '--timeout', '-5'], 'got "-5"'],
    [['status', '--timeout', '1.5'], 'got "1.5"'],
    [['status', '--timeout', '99999999999999999999'], 'got "99999999999999999999"'],
    [['status', '--timeout', 'soon'], 'got "soon"'],
    [['status', '--watch', '0.5'], 'expected a number of seconds, at least 1, e.g. 5, got "0.5"'],
    [['status', '--watch', 'Infinity'], 'got "Infinity"'],
    [['status', '--url', 'ftp://example.com'], "option '--url <base>' argument 'ftp://example.com' is invalid"],
    [['status', '--bogus'], "unknown option '--bogus'"],
    [['backfill', ...hook, '--rate', '0'], 'expected a number above 0 per second, e.g. 200, got "0"'],
    [['backfill', ...hook, '--rate', '-5'], 'got "-5"'],
    [['backfill', ...hook, '--rate', 'Infinity'], 'got "Infinity"'],
    [['backfill', ...hook, '--rate', '0x10'], 'got "0x10"'],
    [['backfill', ...hook, '--ru', 'lots'], 'got "lots"'],
    [['backfill', ...hook, '--since', 'yesterday'], 'expected an ISO 8601 date'],
    [['backfill', ...hook, '--since', '2999-01-01'], 'is in the future'],
    [['backfill', '--target', 'nope'], 'no target named "nope"'],
    [['verify', ...hook, '--sample', '0'], 'expected a whole number of documents from 1 to 1000000, got "0"'],
    [['verify', ...hook, '--sample', '1000001'], 'got "1000001"'],
    [['verify', ...hook, '--sample', '2.5'], 'got "2.5"'],
    [['deadletters', 'list', ...hook, '--limit', '0'], 'expected a whole number from 1 to 1000000, got "0"'],
    [['deadletters', 'list', ...hook, '--limit', '1000001'], 'got "1000001"'],
    [['deadletters', 'list', ...hook, '--limit', '1e3'], 'got "1e3"'],
    [['deadletters', 'list', ...hook, '--older-than', '3y'], 'expected a duration like 90s, 30m, 2h or 7d, got "3y"'],
    [['deadletters', 'list', ...hook, '--older-than', '1234567d'], 'got "1234567d"'],
    [['deadletters', 'list', ...hook, '--newer-than', '-5m'], 'got "-5m"'],
    [
      ['deadletters', 'replay', ...hook, '--older-than', '7d', '--newer-than', '1d'],
      '--older-than is longer than --newer-than, so no dead letter can match both; swap them',
    ],
    [['deadletters', 'purge', ...hook, '--batch-size', '101'], 'expected a whole number from 1 to 100, got "101"'],
    [['deadletters', 'list', ...hook, '--kind', 'dead'], 'expected dlq (the subscription'],
    [['deadletters', 'relay', ...hook], "unknown command 'relay'"],
    [['stats'], "unknown command 'stats'"],
  ])('%j', async (argv, message) => {
    const result = await run(argv);
    expect(result.code).toBe(64);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(message);
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/— see `cosmos-sync( \w+){0,2} --help`\n$/);
  });

  it('a bad COSMOS_SYNC_URL is named as the environment variable, not as an option', async () => {
    const result = await run(['status'], { COSMOS_SYNC_URL: 'not a url' });
    expect(result.code).toBe(64);
    expect(result.stderr).toMatch(/^error: COSMOS_SYNC_URL: .*; fix or unset it, or pass --url/);
  });
});

describe('a tiny --rate (backfill --rate 0.000001) is honoured, not turned into a busy loop', () => {
  it('waits longer than Node timers allow without a TimeoutOverflowWarning (which fires after 1 ms instead)', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    try {
      const controller = new AbortController();
      const sleeping = systemClock.sleep(2 ** 40, controller.signal);
      controller.abort();
      await sleeping;
      // Node emits warnings on the next tick.
      await new Promise<void>((resolve) => process.nextTick(resolve));
      await new Promise<void>((resolve) => process.nextTick(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    expect(warnings).not.toContain('TimeoutOverflowWarning');
  });
});
