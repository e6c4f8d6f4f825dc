/** `cosmos-sync verify` refuses bad arguments before touching any service (in-process, default settings). */
import { describe, expect, it } from 'vitest';
import { runCli, type CliIo } from '../../cli/program.js';

async function run(args: string[]) {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text) },
    env: {},
  };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}

describe('cosmos-sync verify: bad arguments', () => {
  it.each([
    [['--sample', '0'], 'expected a whole number of documents from 1 to 1000000, got "0"'],
    [['--sample', '-3'], 'got "-3"'],
    [['--sample', '2.5'], 'got "2.5"'],
    [['--sample', '1000001'], 'got "1000001"'],
    [['--sample', 'many'], 'got "many"'],
    [['--rate', '5'], "unknown option '--rate'"],
    [['--target', 'nope'], 'no target named "nope"'],
    [['--source', 'nope'], 'no source named "nope"'],
  ])('%j', async (args, message) => {
    const result = await run(['verify', '--target', 'orders-copy', ...args]);
    expect(result.code).toBe(64);
    expect(result.stdout).toBe('');
    expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(result.stderr).toContain(message);
    expect(result.stderr).toContain('cosmos-sync verify --help');
  });

  it('explains the differences and the exit codes in --help', async () => {
    const help = await run(['verify', '--help']);
    expect(help.code).toBe(0);
    for (const word of ['missing', 'stale', 'deleted but present', 'extra', 'target newer', '--repair', '64 bad']) {
      expect(help.stdout).toContain(word);
    }
  });
});
