/**
 * Progress of a long command on stderr (stdout stays for the result, so `--json` output can be piped): on a terminal
 * one line redrawn in place with the count, the rate and, when the total is known, a bar and the time left; on a pipe
 * or file a plain line at most every few seconds, so logs stay readable.
 */
import type { CliOutput } from '../program.js';

export interface Progress {
  /** Adds `count` items done; `detail` replaces the short text after the counts (for example "page 12"). */
  advance(count: number, detail?: string): void;
  /** Sets or corrects the total once it is known. */
  setTotal(total: number): void;
  /** Ends the line; `summary` is printed after it. */
  finish(summary?: string): void;
}

export interface ProgressOptions {
  label: string;
  total?: number;
  /** Milliseconds between lines on a pipe; default 5 s. */
  plainIntervalMs?: number;
  now?: () => number;
}

const BAR_WIDTH = 24;

function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  if (seconds < 60) return `${Math.ceil(seconds)}s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes}m${String(Math.round(seconds % 60)).padStart(2, '0')}s`;
  return `${Math.floor(minutes / 60)}h${String(minutes % 60).padStart(2, '0')}m`;
}

/** The text of one progress line, exported for tests. */
export function progressLine(
  label: string,
  done: number,
  total: number | undefined,
  elapsedMs: number,
  detail = '',
): string {
  const rate = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
  const parts = [label];
  if (total !== undefined && total > 0) {
    const filled = Math.min(BAR_WIDTH, Math.round((done / total) * BAR_WIDTH));
    const eta = rate > 0 ? formatDuration((total - done) / rate) : '?';
    parts.push(
      `[${'#'.repeat(filled)}${'-'.repeat(BAR_WIDTH - filled)}]`,
      `${done}/${total}`,
      `${rate.toFixed(1)}/s`,
      `ETA ${eta}`,
    );
  } else {
    parts.push(`${done}`, `${rate.toFixed(1)}/s`);
  }
  if (detail !== '') parts.push(detail);
  return parts.join(' ');
}

export function createProgress(out: CliOutput, options: ProgressOptions): Progress {
  const now = options.now ?? Date.now;
  const started = now();
  const interval = options.plainIntervalMs ?? 5_000;
  const tty = out.isTTY === true;
  let total = options.total;
  let done = 0;
  let detail = '';
  let lastPlain = started;
  let finished = false;
  const line = () => progressLine(options.label, done, total, now() - started, detail);
  const draw = () => {
    if (tty) out.write(`\r\x1b[2K${line()}`);
    else if (now() - lastPlain >= interval) {
      lastPlain = now();
      out.write(`${line()}\n`);
    }
  };
  return {
    advance(count, text) {
      done += count;
      if (text !== undefined) detail = text;
      draw();
    },
    setTotal(value) {
      total = value;
      draw();
    },
    finish(summary) {
      if (finished) return;
      finished = true;
      out.write(tty ? `\r\x1b[2K${line()}\n` : `${line()}\n`);
      if (summary !== undefined) out.write(`${summary}\n`);
    },
  };
}
