import { describe, expect, it } from 'vitest';
import { invertedTimeKey, metricFields, parseBaseline, toMetricsEntity } from '../../../shared/metrics/entity.js';
import { buildSnapshot, totalsDelta } from '../../../shared/metrics/snapshot.js';
import { ENQUEUE_LAG_BUCKET_BOUNDS, emptyHistogram, observe } from '../../../shared/state/histogram.js';
import { emptyRow, emptyTotals, type LastError, type StateRow, type Totals } from '../../../shared/state/row.js';
import { asStored } from '../state/stored.js';

function totals(
  counts: Partial<Totals['counters']>,
  errorsByCode: Record<string, number> = {},
  lags: number[] = [],
  more: { transient?: number; permanent?: number; enqueueLags?: number[] } = {},
): Totals {
  const base = emptyTotals();
  return {
    counters: { ...base.counters, ...counts },
    errorsByCode,
    errorsByClass: { transient: more.transient ?? 0, permanent: more.permanent ?? 0 },
    lag: observe(emptyHistogram(), lags),
    enqueueLag: observe(emptyHistogram(ENQUEUE_LAG_BUCKET_BOUNDS), more.enqueueLags ?? []),
  };
}

const row = (t: Totals, checkpointTs?: number, lastError?: LastError): StateRow => ({
  ...t,
  lastBatchAt: undefined,
  lastError,
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

  it('subtracts errors by class and the enqueue lag histogram too', () => {
    const previous = totals({}, { A: 2 }, [], { transient: 2, permanent: 0, enqueueLags: [0.02] });
    const current = totals({}, { A: 2, B: 3 }, [], { transient: 4, permanent: 1, enqueueLags: [0.02, 0.3, 40] });
    const { delta, reset } = totalsDelta(current, previous);
    expect(reset).toBe(false);
    expect(delta.errorsByClass).toEqual({ transient: 2, permanent: 1 });
    expect(delta.enqueueLag).toEqual(observe(emptyHistogram(ENQUEUE_LAG_BUCKET_BOUNDS), [0.3, 40]));
  });

  it('treats a class count or enqueue bucket that went down as a reset', () => {
    const current = totals({}, {}, [], { transient: 1, enqueueLags: [0.5] });
    expect(totalsDelta(current, totals({}, {}, [], { transient: 2 })).reset).toBe(true);
    expect(totalsDelta(current, totals({}, {}, [], { transient: 1, enqueueLags: [0.5, 0.5] })).reset).toBe(true);
    expect(totalsDelta(current, totals({}, {}, [], { transient: 1 })).reset).toBe(false);
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
    const snapshot = buildSnapshot('t', row(now), { at: new Date(at.getTime() - 60_000), totals: before }, at);
    expect(snapshot.interval).toMatchObject({ seconds: 60, reset: false, counters: { applied: 100 } });
    expect(snapshot.interval?.latency).toEqual({
      count: 100,
      meanSeconds: (90 * 1.5 + 10 * 3) / 100,
      p50Seconds: 1 + 50 / 90,
      p95Seconds: 2 + (3 * 5) / 10,
      p99Seconds: 2 + (3 * 9) / 10,
    });
    expect(snapshot.totals).toEqual(now);
  });

  it('reports enqueue latency and errors by class of the interval, and the last error however old', () => {
    const lastError: LastError = { code: 'X', message: 'boom', class: 'permanent', at: new Date(0) };
    const before = totals({}, {}, [], { transient: 5, enqueueLags: Array(10).fill(0.07) });
    const now = totals({}, {}, [], {
      transient: 7,
      permanent: 1,
      enqueueLags: [...Array(10).fill(0.07), ...Array(9).fill(0.2), 3],
    });
    const snapshot = buildSnapshot('t', row(now, undefined, lastError), { at: new Date(0), totals: before }, at);
    expect(snapshot.interval?.errorsByClass).toEqual({ transient: 2, permanent: 1 });
    expect(snapshot.interval?.enqueueLatency).toEqual({
      count: 10,
      meanSeconds: expect.closeTo((9 * 0.2 + 3) / 10, 10),
      p50Seconds: expect.closeTo(0.1 + (0.15 * 5) / 9, 10),
      p95Seconds: expect.closeTo(2 + 3 * 0.5, 10), // rank 9.5: half-way through (2, 5], which holds one value
      p99Seconds: expect.closeTo(2 + 3 * 0.9, 10),
    });
    expect(snapshot.interval?.latency.count).toBe(0);
    expect(snapshot.lastError).toBe(lastError);
    expect(buildSnapshot('t', row(now), 'none', at).lastError).toBeUndefined();
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
    expect(parseBaseline(asStored(entity))).toEqual({ ok: true, at, totals: t });
    expect(metricFields(snapshot)).toMatchObject({ lagSeconds: 30, received: 3, errorsByCode: { A: 1 } });
  });

  it('writes enqueue latency, errors by class and the last error, and reads the new totals back', () => {
    const at = new Date('2024-05-01T10:00:00Z');
    const lastError: LastError = { code: 'DOWN', message: 'target down', class: 'transient', at: new Date(1000) };
    const t = totals({ applied: 2 }, { DOWN: 3 }, [2, 9], { transient: 3, enqueueLags: [0.04, 0.04] });
    const snapshot = buildSnapshot('orders-copy', row(t, undefined, lastError), 'none', at);
    const entity = toMetricsEntity(snapshot);
    expect(entity).toMatchObject({
      enqueueLatencyCount: { value: 2, type: 'Double' },
      enqueueLatencyMeanSeconds: { value: 0.04, type: 'Double' },
      enqueueLatencyP50Seconds: { value: expect.closeTo(0.0375, 10), type: 'Double' },
      errorsTransient: { value: 3, type: 'Double' },
      errorsPermanent: { value: 0, type: 'Double' },
      lastErrorCode: 'DOWN',
      lastErrorMessage: 'target down',
      lastErrorClass: 'transient',
      lastErrorAt: new Date(1000),
    });
    expect(Object.keys(metricFields(snapshot))).toEqual(
      expect.arrayContaining([
        'enqueueLatencyCount',
        'enqueueLatencyP50Seconds',
        'enqueueLatencyP95Seconds',
        'enqueueLatencyP99Seconds',
        'enqueueLatencyMeanSeconds',
        'errorsTransient',
        'errorsPermanent',
        'lastErrorCode',
        'lastErrorMessage',
        'lastErrorClass',
        'lastErrorAt',
      ]),
    );
    expect(parseBaseline(asStored(entity))).toEqual({ ok: true, at, totals: t });
    // Without an error or an interval the columns are left out.
    const quiet = toMetricsEntity(buildSnapshot('t', emptyRow(), 'unreadable', at));
    expect(quiet).not.toHaveProperty('lastErrorCode');
    expect(quiet).not.toHaveProperty('enqueueLatencyCount');
  });

  it('reads a baseline written before enqueue lag and error classes existed as zero', () => {
    const at = new Date('2024-05-01T10:00:00Z');
    const entity = asStored(toMetricsEntity(buildSnapshot('t', row(totals({ received: 4 }, {}, [3])), 'none', at)));
    const { counters, errorsByCode, lagBuckets, lagSum } = JSON.parse(entity['totals'] as string) as Record<
      string,
      unknown
    >;
    const old = { ...entity, totals: JSON.stringify({ counters, errorsByCode, lagBuckets, lagSum }) };
    expect(parseBaseline(old)).toEqual({ ok: true, at, totals: totals({ received: 4 }, {}, [3]) });
  });

  it('explains a baseline it cannot use', () => {
    const entity = asStored(toMetricsEntity(buildSnapshot('t', emptyRow(), 'none', new Date(0))));
    expect(parseBaseline({ ...entity, totals: 'not json' })).toEqual({
      ok: false,
      problem: expect.stringMatching(/^totals: not valid JSON/),
    });
    const stored = JSON.parse(entity['totals'] as string) as Record<string, unknown>;
    const withTotals = (change: Record<string, unknown>) => ({
      ...entity,
      totals: JSON.stringify({ ...stored, ...change }),
    });
    expect(parseBaseline(withTotals({ enqueueLagBuckets: [1, 2] }))).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/^totals\.enqueueLagBuckets: .*16/),
    });
    expect(parseBaseline(withTotals({ errorsByClass: { transient: -1, permanent: 0 } }))).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/^totals\.errorsByClass\.transient: /),
    });
    expect(parseBaseline(withTotals({ enqueueLagSum: undefined }))).toMatchObject({
      ok: false,
      problem: expect.stringMatching(/enqueueLagBuckets and enqueueLagSum go together/),
    });
  });
});
