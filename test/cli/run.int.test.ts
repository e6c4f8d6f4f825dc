/**
 * `cosmos-sync status` run in-process (runCli with captured streams) against a local HTTP server: every way of not
 * getting a status, the exit code it gives and the one line it prints. The child-process tests are in
 * status.int.test.ts.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli, type CliIo } from '../../cli/program.js';
import { degradedReport, reportWithHealth } from './fixtures.js';
import { closedPort, hang, json, startStatusServer, text, type StatusServer } from './status-server.js';

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function run(args: string[], env: Record<string, string> = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    stdout: { write: (t: string) => (stdout += t), isTTY: false },
    stderr: { write: (t: string) => (stderr += t), isTTY: false },
    env,
  };
  const code = await runCli(args, io);
  return { code, stdout, stderr };
}

let server: StatusServer;
beforeAll(async () => {
  server = await startStatusServer();
});
afterAll(async () => {
  await server.close();
});
beforeEach(() => {
  server.requests.length = 0;
});

/** A failure is one line on stderr, naming the cause and what to do next, and nothing on stdout. */
function expectOneLineError(result: Run, code: number, ...parts: string[]): void {
  expect(result.code).toBe(code);
  expect(result.stdout).toBe('');
  expect(result.stderr.trimEnd().split('\n')).toHaveLength(1);
  expect(result.stderr).toContain(' — ');
  for (const part of parts) expect(result.stderr).toContain(part);
}

describe('cosmos-sync status (in-process)', () => {
  it('exits 0, 1, 2 by health and prints the table', async () => {
    for (const [health, code] of [
      ['ok', 0],
      ['degraded', 1],
      ['unknown', 1],
      ['failing', 2],
    ] as const) {
      server.reply = json(200, reportWithHealth(health));
      const result = await run(['status', '--url', server.origin]);
      expect(result.code).toBe(code);
      expect(result.stdout).toContain(`Health: ${health.toUpperCase()}`);
    }
  });

  it('colours health words with FORCE_COLOR=1, never with --no-color or NO_COLOR', async () => {
    server.reply = json(200, degradedReport());
    const forced = await run(['status', '--url', server.origin], { FORCE_COLOR: '1' });
    expect(forced.stdout).toContain('\u001b[33mDEGRADED\u001b[39m');
    for (const [args, env] of [
      [['--no-color'], { FORCE_COLOR: '1' }],
      [[], { FORCE_COLOR: '1', NO_COLOR: '1' }],
      [[], {}],
    ] as const) {
      const plain = await run(['status', '--url', server.origin, ...args], env);
      expect(plain.stdout).toContain('Health: DEGRADED');
      expect(plain.stdout).not.toContain('\u001b[');
    }
  });

  it('--json prints exactly the report; --key and COSMOS_SYNC_FUNCTION_KEY travel as x-functions-key', async () => {
    server.reply = json(200, degradedReport());
    const result = await run(['status', '--json', '--url', `${server.origin}/api`, '--key', 'k1']);
    expect(JSON.parse(result.stdout)).toEqual(degradedReport());
    expect(server.requests[0]?.headers['x-functions-key']).toBe('k1');
    expect(server.requests[0]?.url).toBe('/api/status');

    await run(['status', '--json'], { COSMOS_SYNC_URL: server.origin, COSMOS_SYNC_FUNCTION_KEY: 'k2' });
    expect(server.requests[1]?.headers['x-functions-key']).toBe('k2');
  });

  it('401 without a key asks for one; with a key says it was refused', async () => {
    server.reply = text(401, '');
    expectOneLineError(
      await run(['status', '--url', server.origin]),
      3,
      'HTTP 401',
      'pass --key or set COSMOS_SYNC_FUNCTION_KEY',
    );
    expectOneLineError(await run(['status', '--url', server.origin, '--key', 'wrong']), 3, 'function key was refused');
  });

  it('403, 404 and 500 each name the status and the next step', async () => {
    server.reply = text(403, 'Site Disabled');
    expectOneLineError(await run(['status', '--url', server.origin]), 3, 'HTTP 403', 'Site Disabled');
    expectOneLineError(await run(['status', '--url', `${server.origin}/wrong/api`]), 3, 'HTTP 404', 'check --url');
    server.reply = text(500, 'boom\nstack');
    expectOneLineError(await run(['status', '--url', server.origin]), 3, 'HTTP 500', 'boom stack', 'logs');
  });

  it('a body that is not JSON, or JSON of another shape, is not a status', async () => {
    server.reply = text(200, '<html>sign in</html>', 'text/html');
    expectOneLineError(await run(['status', '--url', server.origin]), 3, 'not JSON', 'text/html');
    const broken = { ...degradedReport(), health: 'fine' };
    server.reply = json(200, broken);
    expectOneLineError(await run(['status', '--url', server.origin]), 3, 'does not match the status schema at health');
  });

  it('gives up after --timeout and says how to wait longer', async () => {
    server.reply = hang;
    expectOneLineError(
      await run(['status', '--url', server.origin, '--timeout', '200']),
      3,
      'within 200 ms',
      '--timeout',
    );
  });

  it('a refused connection suggests starting the app or passing --url', async () => {
    const port = await closedPort();
    expectOneLineError(
      await run(['status', '--url', `http://127.0.0.1:${port}`]),
      3,
      'connection refused',
      'npm start',
    );
  });

  it('bad arguments and a bad COSMOS_SYNC_URL exit 64 without a request', async () => {
    expectOneLineError(await run(['status', '--timeout', 'abc']), 64, "'abc' is invalid", 'cosmos-sync status --help');
    expectOneLineError(await run(['status', '--watch', '0']), 64, "'0' is invalid");
    expectOneLineError(await run(['status', '--url', 'localhost:7071']), 64, 'did you mean http://localhost:7071');
    expectOneLineError(await run(['stats']), 64, "unknown command 'stats'", 'Did you mean status?');
    expectOneLineError(await run(['status', '--nope']), 64, "unknown option '--nope'");
    expectOneLineError(await run(['status'], { COSMOS_SYNC_URL: 'ftp://x' }), 64, 'COSMOS_SYNC_URL', 'pass --url');
    expect(server.requests).toHaveLength(0);
    const help = await run(['status', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Exit codes: 0 ok, 1 degraded or unknown, 2 failing, 3 no status');
  });
});
