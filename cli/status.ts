/**
 * Fetch, print, exit code; and with --watch the same every N seconds until Ctrl-C (or SIGTERM), redrawing the screen
 * on a terminal and appending on a pipe. In watch mode a failed fetch is shown and retried at the next tick; the exit
 * code is that of the last attempt.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { StatusReport } from '../shared/status/report.js';
import type { Paint } from './color.js';
import { EXIT, exitCodeFor, StatusUnavailableError } from './errors.js';
import { fetchStatus } from './fetch-status.js';
import type { CliIo } from './program.js';
import { renderReport } from './render.js';
import { displayUrl } from './url.js';

export interface StatusRun {
  url: URL;
  key?: string;
  json: boolean;
  paint: Paint;
  width: number;
  timeoutMs: number;
  watchSeconds?: number;
  io: CliIo;
}

function print(run: StatusRun, report: StatusReport): void {
  if (run.json) {
    run.io.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
    return;
  }
  run.io.stdout.write(
    renderReport(report, { paint: run.paint, width: run.width, source: displayUrl(run.url), now: new Date() }),
  );
}

/** One fetch and its output. `clear` wipes the screen once the answer is in, so a redraw never shows a blank screen. */
async function once(run: StatusRun, options: { signal?: AbortSignal; clear?: boolean } = {}): Promise<number> {
  const { signal, clear = false } = options;
  let report: StatusReport;
  try {
    report = await fetchStatus({
      url: run.url,
      timeoutMs: run.timeoutMs,
      ...(run.key !== undefined ? { key: run.key } : {}),
      ...(signal !== undefined ? { signal } : {}),
    });
  } catch (error) {
    if (!(error instanceof StatusUnavailableError)) throw error;
    if (signal?.aborted === true) return EXIT.unavailable; // Ctrl-C during the request: nothing to show
    if (clear) run.io.stdout.write(CLEAR_SCREEN);
    run.io.stderr.write(`${run.paint('red', 'error:')} ${error.message}\n`);
    return EXIT.unavailable;
  }
  if (clear) run.io.stdout.write(CLEAR_SCREEN);
  print(run, report);
  return exitCodeFor(report.health);
}

const CLEAR_SCREEN = '\u001b[H\u001b[2J';

async function watch(run: StatusRun, seconds: number): Promise<number> {
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const clear = run.io.stdout.isTTY === true;
  let last: number = EXIT.unavailable;
  try {
    while (!stop.signal.aborted) {
      const code = await once(run, { signal: stop.signal, clear });
      if (stop.signal.aborted) break; // interrupted mid-request: keep the previous result
      last = code;
      const footer = `every ${seconds} s, last at ${new Date().toISOString()}; Ctrl-C to stop`;
      run.io.stdout.write(run.json ? '\n' : `${run.paint('dim', footer)}\n\n`);
      await sleep(seconds * 1000, undefined, { signal: stop.signal }).catch(() => undefined);
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return last;
}

export async function runStatus(run: StatusRun): Promise<number> {
  return run.watchSeconds === undefined ? once(run) : watch(run, run.watchSeconds);
}
