/**
 * Fixed-bucket histograms of latencies in seconds. Counts per bucket add up across batches, sessions and instances
 * and subtract between two snapshots, so percentiles for any interval can be estimated later without keeping every
 * value. The price is resolution: a percentile is only known to lie within its bucket and is interpolated linearly
 * inside it (the method Prometheus' histogram_quantile uses).
 *
 * Each histogram carries its bounds (a shared, frozen array, never copied), so merging two histograms of different
 * kinds is caught instead of silently adding unrelated buckets, and quantiles need no second argument.
 */

/**
 * Apply lag (source write `_ts` to applied). Upper bounds (inclusive, seconds), human steps from 1 s to a day: `_ts`
 * has whole-second resolution, so finer buckets below a second would only measure rounding. Changing these changes
 * the meaning of stored counts: bump the row schema version with them.
 */
export const LAG_BUCKET_BOUNDS: readonly number[] = Object.freeze([
  1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 21600, 43200, 86400,
]);

/**
 * Enqueue lag (Service Bus enqueue time to applied): both times come from clocks with millisecond resolution and the
 * subscriber's own share is usually well under a second, so this one resolves down to 10 ms. Same rule on changes.
 */
export const ENQUEUE_LAG_BUCKET_BOUNDS: readonly number[] = Object.freeze([
  0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 900, 3600,
]);

/** One count per bound plus the overflow bucket (values above the last bound). */
export const LAG_BUCKET_COUNT = LAG_BUCKET_BOUNDS.length + 1;
export const ENQUEUE_LAG_BUCKET_COUNT = ENQUEUE_LAG_BUCKET_BOUNDS.length + 1;

export interface LagHistogram {
  /** Upper bounds (inclusive, seconds), shared by every histogram of its kind; not stored, implied by the column. */
  readonly bounds: readonly number[];
  /** `bounds.length + 1` counts; bucket i holds values in (bound[i-1], bound[i]], the last one values above all. */
  buckets: number[];
  /** Sum of all observed values, for the mean. */
  sum: number;
}

/** An empty histogram; the apply-lag bounds unless others are given. */
export function emptyHistogram(bounds: readonly number[] = LAG_BUCKET_BOUNDS): LagHistogram {
  return { bounds, buckets: new Array<number>(bounds.length + 1).fill(0), sum: 0 };
}

export function bucketIndex(seconds: number, bounds: readonly number[] = LAG_BUCKET_BOUNDS): number {
  // A plain loop: this runs once per applied event.
  for (let index = 0; index < bounds.length; index += 1) if (seconds <= (bounds[index] as number)) return index;
  return bounds.length;
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
    const index = bucketIndex(value, histogram.bounds);
    buckets[index] = (buckets[index] ?? 0) + 1;
    sum += value;
  }
  return { bounds: histogram.bounds, buckets, sum };
}

function sameBounds(a: LagHistogram, b: LagHistogram): void {
  if (a.bounds === b.bounds) return;
  if (a.bounds.length === b.bounds.length && a.bounds.every((bound, index) => bound === b.bounds[index])) return;
  throw new RangeError(`histograms with different bounds: [${a.bounds.join(', ')}] and [${b.bounds.join(', ')}]`);
}

export function mergeHistograms(a: LagHistogram, b: LagHistogram): LagHistogram {
  sameBounds(a, b);
  return {
    bounds: a.bounds,
    buckets: a.buckets.map((count, index) => count + (b.buckets[index] ?? 0)),
    sum: a.sum + b.sum,
  };
}

/**
 * What was added between `previous` and `current`. If any bucket shrank, the counts were reset in between (state rows
 * deleted or recreated), and everything in `current` is new.
 */
export function histogramDelta(current: LagHistogram, previous: LagHistogram | undefined): LagHistogram {
  if (!previous) return current;
  sameBounds(current, previous);
  const buckets = current.buckets.map((count, index) => count - (previous.buckets[index] ?? 0));
  if (buckets.some((count) => count < 0)) return current;
  // Sums of doubles may differ in the last bits; never report a negative total lag.
  return { bounds: current.bounds, buckets, sum: Math.max(0, current.sum - previous.sum) };
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
  const { bounds } = histogram;
  const rank = q * total;
  let below = 0;
  for (const [index, count] of histogram.buckets.entries()) {
    if (count > 0 && below + count >= rank) {
      const upper = bounds[index];
      const lower = index === 0 ? 0 : (bounds[index - 1] as number);
      if (upper === undefined) return lower;
      return lower + ((upper - lower) * (rank - below)) / count;
    }
    below += count;
  }
  // Unreachable: rank <= total, so the last non-empty bucket always reaches it.
  return undefined;
}
