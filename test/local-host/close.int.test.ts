/**
 * close() leaves nothing running: a process that used every trigger kind ends on its own after closing. And the CLI
 * runs a function file with a local.settings.json until it is interrupted.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { fixture } from './helpers.js';

describe('closing the local host', () => {
  it('leaves no open handles: the process exits by itself soon after close()', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', fixture('exit-check.ts')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let closedAt: number | undefined;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (closedAt === undefined && stdout.includes('closed')) closedAt = Date.now();
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exitCode = await new Promise<number | null>((resolve) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), 40_000);
      child.on('exit', (code) => {
        clearTimeout(timer);
        resolve(code);
      });
    });
    const exitedAfterCloseMs = closedAt === undefined ? undefined : Date.now() - closedAt;
    expect({
      exitCode,
      stdout: stdout.trim(),
      stderr: stderr.split('\n').filter((line) => line.includes('"level":"error"')),
    }).toEqual({
      exitCode: 0,
      stdout: 'closed',
      stderr: [],
    });
    expect(exitedAfterCloseMs).toBeLessThan(3000);
  });

  it('runs from the CLI with local.settings.json until SIGINT, printing JSON lines', async () => {
    const cli = fileURLToPath(new URL('../../local-host/cli.ts', import.meta.url));
    const args = [
      '--import',
      'tsx',
      cli,
      '--file',
      fixture('http-functions.ts'),
      '--settings',
      fixture('cli.settings.json'),
      '--port',
      '0',
    ];
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const lines: Record<string, unknown>[] = [];
    let pending = '';
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    // Resolves on the host.started line itself; fails at once if the CLI exits first.
    const started = new Promise<void>((resolve, reject) => {
      void exited.then((code) => reject(new Error(`the CLI exited (${code}) before host.started`)));
      child.stdout.on('data', (chunk: Buffer) => {
        pending += chunk.toString();
        const complete = pending.split('\n');
        pending = complete.pop() ?? '';
        for (const line of complete) if (line.trim()) lines.push(JSON.parse(line) as Record<string, unknown>);
        if (lines.some((line) => line['event'] === 'host.started')) resolve();
      });
    });
    await started;
    const route = lines.find((line) => line['event'] === 'http.route' && line['functionName'] === 'hello');
    const url = String(route?.['url']).replace('{name}', 'cli');
    const response = await fetch(url);
    expect(await response.json()).toMatchObject({ hello: 'cli' });
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(lines.map((line) => line['event'])).toEqual(
      expect.arrayContaining(['host.started', 'cli.signal', 'host.stopped']),
    );
  });
});
