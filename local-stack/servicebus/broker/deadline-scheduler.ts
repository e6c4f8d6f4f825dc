import { MinHeap } from './min-heap.js';

/**
 * Calls `onDue` for keys whose deadline has passed. Deadlines are grouped into buckets of `resolutionMs`, so thousands
 * of message locks taken in the same burst share one timer instead of one timer each, and cancelling a key (a message
 * completed before its lock ran out, the common case) is O(1).
 */
export class DeadlineScheduler<K> {
  private readonly bucketOf = new Map<K, number>();
  private readonly buckets = new Map<number, Set<K>>();
  private readonly bucketTimes = new MinHeap<number>((a, b) => a < b);
  private timer: NodeJS.Timeout | undefined;
  private timerAt = Number.POSITIVE_INFINITY;
  private disposed = false;

  constructor(
    private readonly onDue: (keys: K[]) => void,
    private readonly onError: (error: unknown) => void,
    private readonly resolutionMs = 25,
  ) {}

  get size(): number {
    return this.bucketOf.size;
  }

  schedule(key: K, at: number): void {
    this.cancel(key);
    const bucketTime = Math.ceil(at / this.resolutionMs) * this.resolutionMs;
    let bucket = this.buckets.get(bucketTime);
    if (bucket === undefined) {
      bucket = new Set();
      this.buckets.set(bucketTime, bucket);
      this.bucketTimes.push(bucketTime);
    }
    bucket.add(key);
    this.bucketOf.set(key, bucketTime);
    this.arm(bucketTime);
  }

  cancel(key: K): void {
    const bucketTime = this.bucketOf.get(key);
    if (bucketTime === undefined) return;
    this.bucketOf.delete(key);
    // An emptied bucket stays in the heap; firing skips it. That keeps cancel O(1).
    this.buckets.get(bucketTime)?.delete(key);
  }

  has(key: K): boolean {
    return this.bucketOf.has(key);
  }

  dispose(): void {
    this.disposed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    this.bucketOf.clear();
    this.buckets.clear();
    this.bucketTimes.clear();
  }

  private arm(at: number): void {
    if (this.disposed || at >= this.timerAt) return;
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => this.fire(), Math.max(0, at - Date.now()));
    // Locks and schedules must never keep a test process alive on their own; close() clears them anyway.
    this.timer.unref();
  }

  private fire(): void {
    this.timer = undefined;
    this.timerAt = Number.POSITIVE_INFINITY;
    const now = Date.now();
    const due: K[] = [];
    for (let next = this.bucketTimes.peek(); next !== undefined && next <= now; next = this.bucketTimes.peek()) {
      this.bucketTimes.pop();
      const bucket = this.buckets.get(next);
      if (bucket === undefined) continue;
      this.buckets.delete(next);
      for (const key of bucket) {
        this.bucketOf.delete(key);
        due.push(key);
      }
    }
    const next = this.bucketTimes.peek();
    if (next !== undefined) this.arm(next);
    if (due.length === 0) return;
    try {
      this.onDue(due);
    } catch (error) {
      this.onError(error);
    }
  }
}
