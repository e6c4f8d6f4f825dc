import { describe, expect, it } from 'vitest';
import {
  ENQUEUE_LAG_BUCKET_BOUNDS,
  ENQUEUE_LAG_BUCKET_COUNT,
  LAG_BUCKET_BOUNDS,
  LAG_BUCKET_COUNT,
  bucketIndex,
  emptyHistogram,
  histogramCount,
  histogramDelta,
  mergeHistograms,
  observe,
  quantile,
} from '../../../shared/state/histogram.js';

/** The exact q-quantile by the nearest-rank method, to compare estimates against. */
function exactQuantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] as number;
}

describe('lag histogram', () => {
  it('puts values in buckets with inclusive upper bounds and an overflow bucket', () => {
    expect(LAG_BUCKET_COUNT).toBe(LAG_BUCKET_BOUNDS.length + 1);
    expect([0, 1, 1.5, 2, 2.0001, 86_400, 86_401, 1e9].map((v) => bucketIndex(v))).toEqual([0, 0, 1, 1, 2, 16, 17, 17]);
  });

  it('keeps the apply-lag bounds the stored rows were counted with', () => {
    // Stored counts mean these buckets; changing them needs a schema version bump.
    expect(LAG_BUCKET_BOUNDS).toEqual([
      1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400,
    ]);
    expect(emptyHistogram()).toEqual({ bounds: LAG_BUCKET_BOUNDS, buckets: Array(18).fill(0), sum: 0 });
    expect(Object.isFrozen(LAG_BUCKET_BOUNDS)).toBe(true);
  });

  it('observes without changing its input, and counts negative lag (clock skew) as zero', () => {
    const empty = emptyHistogram();
    const h = observe(empty, [0.5, 3, -4, 100_000]);
    expect(empty).toEqual(emptyHistogram());
    expect(histogramCount(h)).toBe(4);
    expect(h.buckets[0]).toBe(2);
    expect(h.buckets[2]).toBe(1);
    expect(h.buckets[17]).toBe(1);
    expect(h.sum).toBe(100_003.5);
  });

  it('interpolates quantiles linearly inside the bucket that holds the rank', () => {
    // 50 values in [0,1], 45 in (1,2], 5 in (2,5].
    const h = observe(emptyHistogram(), [...Array(50).fill(0.5), ...Array(45).fill(1.5), ...Array(5).fill(3)]);
    expect(quantile(h, 0.5)).toBe(1); // rank 50 ends bucket 0
    expect(quantile(h, 0.95)).toBe(2); // rank 95 ends bucket 1
    expect(quantile(h, 0.99)).toBeCloseTo(4.4, 10); // rank 99 is 4/5 into (2, 5]
    expect(quantile(observe(emptyHistogram(), [3]), 0.5)).toBe(3.5); // half-way through (2, 5]
  });

  it('estimates within the bucket of the exact quantile', () => {
    // A spread of lags from 0 to 2 hours, deterministic but irregular.
    const values = Array.from({ length: 5_000 }, (_, i) => ((i * 7919) % 5_000) * 1.44 + (i % 7) / 10);
    const h = observe(emptyHistogram(), values);
    for (const q of [0.5, 0.9, 0.95, 0.99]) {
      const estimate = quantile(h, q) as number;
      const exact = exactQuantile(values, q);
      const index = bucketIndex(exact);
      const lower = index === 0 ? 0 : (LAG_BUCKET_BOUNDS[index - 1] as number);
      expect(estimate).toBeGreaterThanOrEqual(lower);
      expect(estimate).toBeLessThanOrEqual(LAG_BUCKET_BOUNDS[index] as number);
    }
  });

  it('reports quantiles in the overflow bucket as the last bound, and nothing for an empty histogram', () => {
    expect(quantile(observe(emptyHistogram(), [200_000, 300_000]), 0.99)).toBe(86_400);
    expect(quantile(emptyHistogram(), 0.5)).toBeUndefined();
    expect(() => quantile(emptyHistogram(), 0)).toThrow(RangeError);
    expect(() => quantile(emptyHistogram(), 1.5)).toThrow(RangeError);
  });

  it('merges bucket by bucket, and the delta of two snapshots is what was added in between', () => {
    const a = observe(emptyHistogram(), [0.5, 7]);
    const b = observe(emptyHistogram(), [7, 40]);
    const merged = mergeHistograms(a, b);
    expect(merged).toEqual(observe(emptyHistogram(), [0.5, 7, 7, 40]));
    expect(histogramDelta(merged, a)).toEqual(b);
    expect(histogramDelta(merged, undefined)).toEqual(merged);
  });

  it('treats a shrunken bucket as a reset: everything now counted is new', () => {
    const before = observe(emptyHistogram(), [0.5, 0.5, 7]);
    const after = observe(emptyHistogram(), [0.5, 7, 7]);
    expect(histogramDelta(after, before)).toEqual(after);
  });
});

describe('enqueue lag histogram', () => {
  const empty = () => emptyHistogram(ENQUEUE_LAG_BUCKET_BOUNDS);

  it('resolves below a second with its own bounds and overflow bucket', () => {
    expect(ENQUEUE_LAG_BUCKET_BOUNDS).toEqual([0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600]);
    expect(ENQUEUE_LAG_BUCKET_COUNT).toBe(16);
    expect(empty().buckets).toHaveLength(16);
    const h = observe(empty(), [0.004, 0.01, 0.03, 0.3, 0.9, 4000, -1]);
    expect(h.bounds).toBe(ENQUEUE_LAG_BUCKET_BOUNDS);
    expect(h.buckets).toEqual([3, 0, 1, 0, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    expect(h.sum).toBeCloseTo(4001.244, 10);
  });

  it('estimates quantiles against its own bounds', () => {
    // 90 values in (0.05, 0.1], 10 in (0.25, 0.5].
    const h = observe(empty(), [...Array(90).fill(0.07), ...Array(10).fill(0.4)]);
    expect(quantile(h, 0.5)).toBeCloseTo(0.05 + (0.05 * 50) / 90, 10);
    expect(quantile(h, 0.99)).toBeCloseTo(0.25 + (0.25 * 9) / 10, 10);
    expect(quantile(observe(empty(), [7200]), 0.5)).toBe(3600);
  });

  it('refuses to merge or diff histograms of different bounds', () => {
    const lag = observe(emptyHistogram(), [1]);
    const enqueue = observe(empty(), [1]);
    expect(() => mergeHistograms(lag, enqueue)).toThrow(/different bounds/);
    expect(() => histogramDelta(enqueue, lag)).toThrow(RangeError);
    // Equal bounds in another array (e.g. built by hand) are the same kind.
    const copy = { ...enqueue, bounds: [...ENQUEUE_LAG_BUCKET_BOUNDS] };
    expect(mergeHistograms(enqueue, copy).buckets[6]).toBe(2);
  });
});
