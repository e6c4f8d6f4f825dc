/**
 * The real `cosmos-sync` bin (cli/bin.mjs, as `npx cosmos-sync` runs it) as a child process against a local HTTP
 * server: exit codes, stdout and stderr as a script or CI job sees them. Few cases, because each start costs a
 * Node process with the tsx loader; the failure modes are covered in-process by run.int.test.ts.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { degradedReport } from './fixtures.js';
import { closedPort, json, startStatusServer, type StatusServer } from './status-server.js';

const BIN = fileURLToPath(new URL('../../cli/bin.mjs', import.meta.url));
const ANSI = '\u001b[';

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Environment without the variables the CLI reads, so the machine's settings cannot leak into a test. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const name of ['NO_COLOR', 'FORCE_COLOR', 'COSMOS_SYNC_URL', 'COSMOS_SYNC_FUNCTION_KEY']) {
    if (!(name in extra)) delete env[name];
  }
  return env;
}

interface Started {
  pid: number;
  done: Promise<Result>;
}

function start(args: string[], env: Record<string, string> = {}, onStdout?: (all: string) => void): Started {
  const child = spawn(process.execPath, [BIN, ...args], { env: cleanEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    stdout += chunk;
    onStdout?.(stdout);
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const done = new Promise<Result>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
  if (child.pid === undefined) throw new Error('the CLI did not start');
  return { pid: child.pid, done };
}

function cli(args: string[], env: Record<string, string> = {}): Promise<Result> {
  return start(args, env).done;
}

let server: StatusServer;
beforeAll(async () => {
  server = await startStatusServer();
  server.reply = json(200, degradedReport());
});
afterAll(async () => {
  await server.close();
});

describe('cosmos-sync status (child process)', () => {
  it('prints the table without ANSI codes into a pipe and exits 1 for degraded', async () => {
    const plain = await cli(['status', '--url', server.origin]);
    expect(plain).toMatchObject({ code: 1, stderr: '' });
    expect(plain.stdout).toContain('Health: DEGRADED');
    expect(plain.stdout).toMatch(/orders-pg\s+postgres\s+degraded\s+3 m 10 s\s+5,321\s+17\s+0\s+12\.0/);
    expect(plain.stdout).not.toContain(ANSI);
  });

  it('--json prints the report and --key is sent as x-functions-key', async () => {
    const result = await cli(['status', '--json', '--key', 'secret-key'], { COSMOS_SYNC_URL: `${server.origin}/api` });
    expect(result.code).toBe(1);
    expect(JSON.parse(result.stdout)).toEqual(degradedReport());
    expect(server.requests.at(-1)?.headers['x-functions-key']).toBe('secret-key');
  });

  it('exits 3 with one line when nothing listens, and 64 on bad arguments', async () => {
    const port = await closedPort();
    const refused = await cli(['status', '--url', `http://127.0.0.1:${port}`]);
    expect(refused.code).toBe(3);
    expect(refused.stderr).toBe(
      `error: connection refused at http://127.0.0.1:${port}/api/status — is the app running? start it with \`npm start\`, or pass --url\n`,
    );
    const bad = await cli(['status', '--timeout', 'abc']);
    expect(bad.code).toBe(64);
    expect(bad.stderr).toContain("argument 'abc' is invalid");
  });

  it('--watch redraws until interrupted and exits with the last health', async () => {
    let seen!: () => void;
    const twoReports = new Promise<void>((resolve) => (seen = resolve));
    const watcher = start(['status', '--watch', '1', '--url', server.origin], {}, (all) => {
      if (all.split('Health: DEGRADED').length > 2) seen();
    });
    await twoReports;
    process.kill(watcher.pid, 'SIGINT');
    const result = await watcher.done;
    expect(result.code).toBe(1);
    expect(result.stdout).toContain('Ctrl-C to stop');
    expect(result.stderr).toBe('');
  });
});
