/** The pure parts of backfill: rate limits on a fake clock, the catch-up rule, --since, the checkpoint's identity. */
import { describe, expect, it } from 'vitest';
import { assertSameStart, parseCheckpoint, type BackfillCheckpoint } from '../../cli/ops/backfill-checkpoint.js';
import { CatchUp } from '../../cli/ops/catch-up.js';
import { CheckpointError } from '../../cli/ops/checkpoint-store.js';
import { parseSince } from '../../cli/ops/option-values.js';
import { RateLimits, TokenBucket, type Clock } from '../../cli/ops/token-bucket.js';
import { UsageError } from '../../cli/errors.js';

/** A clock whose sleeps advance time at once and are recorded. */
function fakeClock(): Clock & { slept: number[]; at: number } {
  const clock = {
    at: 0,
    slept: [] as number[],
    now: () => clock.at,
    sleep: async (ms: number) => {
      clock.slept.push(ms);
      clock.at += ms;
    },
  };
  return clock;
}

describe('TokenBucket', () => {
  it('lets one second of burst through, then paces to the rate, charging more than the burst as debt', async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(100, clock);
    expect(await bucket.ready()).toBe(true);
    bucket.charge(100);
    expect(await bucket.ready()).toBe(true);
    expect(clock.slept).toEqual([]);
    bucket.charge(500);
    expect(await bucket.ready()).toBe(true);
    expect(clock.at).toBe(5_000);
    expect(bucket.waitedMs).toBe(5_000);
  });

  it('refills with elapsed time, never above one second', async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(10, clock);
    bucket.charge(10);
    clock.at += 60_000;
    bucket.charge(15);
    await bucket.ready();
    expect(clock.slept).toEqual([500]);
  });

  it('stops waiting when aborted', async () => {
    const clock = fakeClock();
    const bucket = new TokenBucket(1, clock);
    bucket.charge(100);
    const controller = new AbortController();
    controller.abort();
    expect(await bucket.ready(controller.signal)).toBe(false);
  });

  it('refuses a rate that is not above 0', () => {
    expect(() => new TokenBucket(0)).toThrow(RangeError);
    expect(() => new TokenBucket(Number.NaN)).toThrow(RangeError);
  });
});

describe('RateLimits', () => {
  it('reads pages of at most one second of documents, and pays RU after the read that cost them', async () => {
    const clock = fakeClock();
    const limits = RateLimits.of({ rate: 50, ru: 10 }, clock);
    expect(limits.pageSize(500)).toBe(50);
    expect(RateLimits.of({ rate: 0.5 }).pageSize(500)).toBe(1);
    expect(RateLimits.of({}).pageSize(500)).toBe(500);
    expect(await limits.beforeRead()).toBe(true);
    limits.afterRead(30);
    expect(await limits.beforePublish(50)).toBe(true);
    expect(await limits.beforeRead()).toBe(true);
    expect(clock.at).toBe(2_000);
  });
});

describe('CatchUp', () => {
  const page = (...ts: number[]) => ts.map((value) => ({ _ts: value }));

  it('is done once every range handed over a page of changes made after the start (with the clock margin)', () => {
    const catchUp = new CatchUp(2, 60);
    catchUp.observe(Date.UTC(2025, 0, 1));
    const start = Date.UTC(2025, 0, 1) / 1000;
    expect(catchUp.onlyNewChanges(page(start + 61, start + 62))).toBe(false);
    expect(catchUp.onlyNewChanges(page(start + 10))).toBe(false);
    expect(catchUp.onlyNewChanges(page(start + 61))).toBe(false);
    expect(catchUp.onlyNewChanges(page(start + 70))).toBe(true);
  });

  it('never ends a read without the service time or on items without _ts', () => {
    const catchUp = new CatchUp(1);
    expect(catchUp.onlyNewChanges(page(Number.MAX_SAFE_INTEGER))).toBe(false);
    catchUp.observe(0);
    expect(catchUp.onlyNewChanges([{ id: 'x' }])).toBe(false);
    expect(catchUp.onlyNewChanges([])).toBe(false);
  });
});

describe('--since', () => {
  const now = () => Date.UTC(2025, 5, 1);
  it.each([
    ['2025-03-01', '2025-03-01T00:00:00.000Z'],
    ['2025-03-01T12:30:00Z', '2025-03-01T12:30:00.000Z'],
    ['2025-03-01T12:30:00.5+02:00', '2025-03-01T10:30:00.500Z'],
    ['2025-03-01T12:30Z', '2025-03-01T12:30:00.000Z'],
  ])('%s is %s', (value, expected) => {
    expect(parseSince(value, now)).toBe(expected);
  });
});

describe('the backfill checkpoint', () => {
  const saved: BackfillCheckpoint = {
    schemaVersion: 1,
    target: 'orders-new',
    subscription: 'new',
    source: 'orders',
    start: { from: 'time', time: '2025-03-01T00:00:00.000Z' },
    status: 'running',
    continuation: '{"rid":"x"}',
    counts: { pages: 1, documents: 5, published: 5, quarantined: 0, requestCharge: 2.5 },
    runs: 1,
    startedAt: '2025-03-02T00:00:00.000Z',
    updatedAt: '2025-03-02T00:00:01.000Z',
    completedAt: null,
  };

  it('parses what it saved, and refuses anything else with a way out', () => {
    expect(parseCheckpoint(JSON.parse(JSON.stringify(saved)), 'x')).toEqual(saved);
    expect(() => parseCheckpoint({ ...saved, schemaVersion: 2 }, 'ops/backfill/x.json')).toThrow(CheckpointError);
    expect(() => parseCheckpoint({ ...saved, status: 'odd' }, 'x')).toThrow(/--restart/);
  });

  it('accepts the same start and refuses another, naming how to resume or restart', () => {
    expect(() => assertSameStart(saved, { from: 'time', time: '2025-03-01T00:00:00.000Z' }, 'cmd')).not.toThrow();
    const other = () => assertSameStart(saved, { from: 'beginning' }, 'npx cosmos-sync backfill --target orders-new');
    expect(other).toThrow(UsageError);
    expect(other).toThrow(
      'resume it with `npx cosmos-sync backfill --target orders-new --since 2025-03-01T00:00:00.000Z`, or add --restart',
    );
  });
});
