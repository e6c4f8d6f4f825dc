import { describe, expect, it } from 'vitest';
import { createProgress, progressLine } from '../../../cli/ops/progress.js';

function sink(isTTY: boolean) {
  const writes: string[] = [];
  return { out: { isTTY, write: (text: string) => writes.push(text) }, writes };
}

describe('progress lines', () => {
  it('shows a bar, counts, rate and time left when the total is known', () => {
    expect(progressLine('replay', 50, 200, 10_000)).toBe('replay [######------------------] 50/200 5.0/s ETA 30s');
  });

  it('shows count and rate without a total, and the detail after them', () => {
    expect(progressLine('backfill', 1_200, undefined, 4_000, 'page 3')).toBe('backfill 1200 300.0/s page 3');
  });

  it('says ? for the time left before anything is done', () => {
    expect(progressLine('verify', 0, 10, 1_000)).toContain('ETA ?');
  });
});

describe('progress output', () => {
  it('redraws one line on a terminal and ends it with a newline', () => {
    let now = 0;
    const { out, writes } = sink(true);
    const progress = createProgress(out, { label: 'x', total: 4, now: () => now });
    now = 1_000;
    progress.advance(2);
    progress.finish('done: 2');
    expect(writes[0]?.startsWith('\r\u001b[2Kx [')).toBe(true);
    expect(writes.at(-2)).toMatch(/\n$/);
    expect(writes.at(-1)).toBe('done: 2\n');
  });

  it('writes plain lines on a pipe at most once per interval', () => {
    let now = 0;
    const { out, writes } = sink(false);
    const progress = createProgress(out, { label: 'x', plainIntervalMs: 1_000, now: () => now });
    for (let step = 1; step <= 10; step += 1) {
      now = step * 300;
      progress.advance(1);
    }
    expect(writes).toHaveLength(2); // at 1.2 s and 2.4 s
    expect(writes.every((line) => !line.includes('\r'))).toBe(true);
  });
});
