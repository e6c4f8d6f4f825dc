/**
 * A fixed-bucket histogram of apply lag (seconds from the source write to applied). Counts per bucket add up across
 * batches, sessions and instances and subtract between two snapshots, so percentiles for any interval can be
 * estimated later without keeping every value. The price is resolution: a percentile is only known to lie within
 * its bucket and is interpolated linearly inside it (the method Prometheus' histogram_quantile uses).
 */

/**
 * Upper bounds (inclusive, seconds). Human steps from 1 s to a day: `_ts` has whole-second resolution, so finer
 * buckets below a second would only measure rounding. Values above the last bound land in an overflow bucket.
 * Changing these changes the meaning of stored counts: bump the row schema version with them.
 */
export const LAG_BUCKET_BOUNDS: readonly number[] = [
  1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400,
];

/** One count per bound plus the overflow bucket. */
export const LAG_BUCKET_COUNT = LAG_BUCKET_BOUNDS.length + 1;

export interface LagHistogram {
  /** `LAG_BUCKET_COUNT` counts; bucket i holds values in (bound[i-1], bound[i]], the last one values above all. */
  buckets: number[];
  /** Sum of all observed values, for the mean. */
  sum: number;
}

export function emptyHistogram(): LagHistogram {
  return { buckets: new Array<number>(LAG_BUCKET_COUNT).fill(0), sum: 0 };
}

export function bucketIndex(seconds: number): number {
  const index = LAG_BUCKET_BOUNDS.findIndex((bound) => seconds <= bound);
  return index === -1 ? LAG_BUCKET_BOUNDS.length : index;
}

export function histogramCount(histogram: LagHistogram): number {
  return histogram.buckets.reduce((total, count) => total + count, 0);
}

/** A new histogram with `values` added; negative values (clock skew) count as zero. */
export function observe(histogram: LagHistogram, values: readonly number[]): LagHistogram {
  const buckets = [...histogram.buckets];
  let sum = histogram.sum;
  for (const raw of values) {
    const value = Math.max(0, raw);
    const index = bucketIndex(value);
    buckets[index] = (buckets[index] ?? 0) + 1;
    sum += value;
  }
  return { buckets, sum };
}

export function mergeHistograms(a: LagHistogram, b: LagHistogram): LagHistogram {
  return { buckets: a.buckets.map((count, index) => count + (b.buckets[index] ?? 0)), sum: a.sum + b.sum };
}

/**
 * What was added between `previous` and `current`. If any bucket shrank, the counts were reset in between (state rows
 * deleted or recreated), and everything in `current` is new.
 */
export function histogramDelta(current: LagHistogram, previous: LagHistogram | undefined): LagHistogram {
  if (!previous) return current;
  const buckets = current.buckets.map((count, index) => count - (previous.buckets[index] ?? 0));
  if (buckets.some((count) => count < 0)) return current;
  // Sums of doubles may differ in the last bits; never report a negative total lag.
  return { buckets, sum: Math.max(0, current.sum - previous.sum) };
}

/**
 * The q-quantile (0 < q <= 1) estimated by linear interpolation inside the bucket holding it, or undefined for an
 * empty histogram. The overflow bucket has no upper bound, so quantiles in it are reported as the last bound: "at
 * least a day" is as precise as the histogram can be there.
 */
export function quantile(histogram: LagHistogram, q: number): number | undefined {
  if (!(q > 0 && q <= 1)) throw new RangeError(`quantile must be in (0, 1], got ${q}`);
  const total = histogramCount(histogram);
  if (total === 0) return undefined;
  const rank = q * total;
  let below = 0;
  for (const [index, count] of histogram.buckets.entries()) {
    if (count > 0 && below + count >= rank) {
      const upper = LAG_BUCKET_BOUNDS[index];
      const lower = index === 0 ? 0 : (LAG_BUCKET_BOUNDS[index - 1] as number);
      if (upper === undefined) return lower;
      return lower + ((upper - lower) * (rank - below)) / count;
    }
    below += count;
  }
  // Unreachable: rank <= total, so the last non-empty bucket always reaches it.
  return undefined;
}
