import { describe, expect, it } from 'vitest';
import { invertedTimeKey, metricFields, parseBaseline, toMetricsEntity } from '../../../shared/metrics/entity.js';
import { buildSnapshot, totalsDelta } from '../../../shared/metrics/snapshot.js';
import { emptyHistogram, observe } from '../../../shared/state/histogram.js';
import { emptyRow, emptyTotals, type StateRow, type Totals } from '../../../shared/state/row.js';
import { asStored } from '../state/stored.js';

function totals(
  counts: Partial<Totals['counters']>,
  errorsByCode: Record<string, number> = {},
  lags: number[] = [],
): Totals {
  const base = emptyTotals();
  return { counters: { ...base.counters, ...counts }, errorsByCode, lag: observe(emptyHistogram(), lags) };
}

const row = (t: Totals, checkpointTs?: number): StateRow => ({
  ...t,
  lastBatchAt: undefined,
  checkpoint:
    checkpointTs === undefined
      ? undefined
      : { eventId: 'e1', source: 'orders', lsn: 1, ts: checkpointTs, appliedAt: new Date(checkpointTs * 1000 + 2000) },
});

describe('totalsDelta', () => {
  it('subtracts the previous totals and keeps only error codes seen in between', () => {
    const previous = totals({ batches: 2, received: 10, applied: 8 }, { A: 2, B: 1 }, [1, 3]);
    const current = totals({ batches: 5, received: 25, applied: 20, stale: 1 }, { A: 2, B: 4, C: 1 }, [1, 3, 7, 700]);
    const { delta, reset } = totalsDelta(current, previous);
    expect(reset).toBe(false);
    expect(delta.counters).toEqual({ ...emptyTotals().counters, batches: 3, received: 15, applied: 12, stale: 1 });
    expect(delta.errorsByCode).toEqual({ B: 3, C: 1 });
    expect(delta.lag).toEqual(observe(emptyHistogram(), [7, 700]));
  });

  it('counts from zero without a previous snapshot', () => {
    const current = totals({ received: 4 }, { A: 1 });
    expect(totalsDelta(current, undefined)).toEqual({ delta: current, reset: false });
  });

  it('treats any total that went down as a reset and counts everything now stored', () => {
    const current = totals({ received: 30, applied: 3 }, { A: 1 });
    expect(totalsDelta(current, totals({ received: 10, applied: 5 }))).toEqual({ delta: current, reset: true });
    expect(totalsDelta(current, totals({ received: 10 }, { A: 1, Gone: 2 })).reset).toBe(true);
  });
});

describe('buildSnapshot', () => {
  const at = new Date('2024-05-01T10:00:00Z');
  const nowSeconds = at.getTime() / 1000;

  it('measures lag from the newest applied source write, and none before anything is applied', () => {
    expect(buildSnapshot('t', row(totals({})), 'none', at).lagSeconds).toBeUndefined();
    expect(buildSnapshot('t', row(totals({}), nowSeconds - 42), 'none', at).lagSeconds).toBe(42);
    // A source clock ahead of ours is not negative lag.
    expect(buildSnapshot('t', row(totals({}), nowSeconds + 5), 'none', at).lagSeconds).toBe(0);
  });

  it('reports the interval since the previous snapshot with latency percentiles of that interval only', () => {
    const before = totals({ applied: 100 }, {}, Array(100).fill(0.5));
    const now = totals({ applied: 200 }, {}, [...Array(100).fill(0.5), ...Array(90).fill(1.5), ...Array(10).fill(3)]);
    const snapshot = buildSnapshot('t', row(now), { at: new Date(at.getTime() - 60_000), totals: before }, at, {
      'serviceBus.active': 4,
    });
    expect(snapshot.interval).toMatchObject({ seconds: 60, reset: false, counters: { applied: 100 } });
    expect(snapshot.interval?.latency).toEqual({
      count: 100,
      meanSeconds: (90 * 1.5 + 10 * 3) / 100,
      p50Seconds: 1 + 50 / 90,
      p95Seconds: 2 + (3 * 5) / 10,
      p99Seconds: 2 + (3 * 9) / 10,
    });
    expect(snapshot.totals).toEqual(now);
    expect(snapshot.gauges).toEqual({ 'serviceBus.active': 4 });
  });

  it('has no interval seconds on the first snapshot, and no interval when the previous one is unreadable', () => {
    const t = totals({ received: 3 });
    expect(buildSnapshot('t', row(t), 'none', at).interval).toMatchObject({
      seconds: undefined,
      counters: { received: 3 },
    });
    expect(buildSnapshot('t', row(t), 'unreadable', at).interval).toBeUndefined();
    expect(buildSnapshot('t', row(t), 'none', at).interval?.latency).toEqual({
      count: 0,
      meanSeconds: undefined,
      p50Seconds: undefined,
      p95Seconds: undefined,
      p99Seconds: undefined,
    });
  });
});

describe('metrics row', () => {
  it('sorts newer rows first with fixed-width keys', () => {
    const keys = ['2024-05-01T10:00:00Z', '2024-05-01T10:01:00Z', '2031-01-01T00:00:00Z'].map((iso) =>
      invertedTimeKey(new Date(iso)),
    );
    expect(keys.every((key) => key.length === 13)).toBe(true);
    expect([...keys].sort()).toEqual([...keys].reverse());
    expect(() => invertedTimeKey(new Date(-1))).toThrow(RangeError);
  });

  it('writes interval values as columns, omits unknown ones, and reads its totals back as a baseline', () => {
    const at = new Date('2024-05-01T10:00:00Z');
    const t = totals({ received: 3, applied: 2 }, { A: 1 }, [2, 9]);
    const snapshot = buildSnapshot('orders-copy', row(t, at.getTime() / 1000 - 30), 'none', at);
    const entity = toMetricsEntity(snapshot);
    expect(entity).toMatchObject({
      partitionKey: 'orders-copy',
      rowKey: invertedTimeKey(at),
      schemaVersion: 1,
      at,
      lagSeconds: { value: 30, type: 'Double' },
      received: { value: 3, type: 'Double' },
      errorsByCode: '{"A":1}',
      latencyCount: { value: 2, type: 'Double' },
    });
    expect(entity).not.toHaveProperty('intervalSeconds');
    expect(entity).not.toHaveProperty('gauges');
    expect(parseBaseline(asStored(entity))).toEqual({ ok: true, at, totals: t });
    expect(metricFields(snapshot)).toMatchObject({ lagSeconds: 30, received: 3, errorsByCode: { A: 1 } });
  });

  it('explains a baseline it cannot use', () => {
    const entity = asStored(toMetricsEntity(buildSnapshot('t', emptyRow(), 'none', new Date(0))));
    expect(parseBaseline({ ...entity, totals: 'not json' })).toEqual({
      ok: false,
      problem: expect.stringMatching(/^totals: not valid JSON/),
    });
  });
});
