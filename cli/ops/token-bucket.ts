/**
 * A token bucket for the operations commands' rate limits (documents per second, request units per second). A step
 * takes what it costs, even more than the bucket holds: the balance goes negative and the next `take` waits until it
 * is paid back, so a page of 500 documents under `--rate 100` simply waits five seconds before the next page, and an
 * RU charge only known after a read delays the read after it. The burst is one second's worth.
 */
export interface Clock {
  now(): number;
  /** Resolves after `ms`, or early when `signal` is aborted (never rejects: the caller checks the signal). */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

const MAX_TIMER_MS = 2 ** 31 - 1;

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve) => {
      if (signal?.aborted) return resolve();
      const done = () => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      // Node fires a timer longer than 2^31-1 ms after 1 ms instead (a tiny --rate asks for that): cap it, and let the
      // caller's loop wait again for the rest.
      const timer = setTimeout(done, Math.min(ms, MAX_TIMER_MS));
      signal?.addEventListener('abort', done, { once: true });
    }),
};

export class TokenBucket {
  private balance: number;
  private updated: number;
  /** Milliseconds spent waiting, for the summary. */
  waitedMs = 0;

  constructor(
    readonly perSecond: number,
    private readonly clock: Clock = systemClock,
  ) {
    if (!(perSecond > 0) || !Number.isFinite(perSecond)) throw new RangeError(`rate must be above 0, got ${perSecond}`);
    this.balance = perSecond;
    this.updated = clock.now();
  }

  private refill(): void {
    const now = this.clock.now();
    this.balance = Math.min(this.perSecond, this.balance + ((now - this.updated) / 1000) * this.perSecond);
    this.updated = now;
  }

  /** Waits until the debt is paid back; returns false when `signal` was aborted first. */
  async ready(signal?: AbortSignal): Promise<boolean> {
    this.refill();
    while (this.balance < 0) {
      if (signal?.aborted) return false;
      const ms = Math.ceil((-this.balance / this.perSecond) * 1000);
      const started = this.clock.now();
      await this.clock.sleep(ms, signal);
      this.waitedMs += this.clock.now() - started;
      this.refill();
    }
    return signal?.aborted !== true;
  }

  /** Charges `cost` (it may exceed the burst); the wait it causes falls on the next `ready`. */
  charge(cost: number): void {
    this.refill();
    this.balance -= cost;
  }
}

/** The limits of one run: either may be absent. */
export class RateLimits {
  constructor(
    readonly documents: TokenBucket | undefined,
    readonly requestUnits: TokenBucket | undefined,
  ) {}

  static of(options: { rate?: number | undefined; ru?: number | undefined }, clock?: Clock): RateLimits {
    const bucket = (perSecond: number | undefined) =>
      perSecond === undefined ? undefined : new TokenBucket(perSecond, clock);
    return new RateLimits(bucket(options.rate), bucket(options.ru));
  }

  /** The page size that keeps the documents limit smooth: at most one second's worth per read. */
  pageSize(max: number): number {
    return this.documents ? Math.max(1, Math.min(max, Math.floor(this.documents.perSecond))) : max;
  }

  /** Before a read: the RU the previous reads cost must be paid back. False when aborted while waiting. */
  beforeRead(signal?: AbortSignal): Promise<boolean> {
    return this.requestUnits ? this.requestUnits.ready(signal) : Promise.resolve(signal?.aborted !== true);
  }

  afterRead(requestCharge: number): void {
    this.requestUnits?.charge(requestCharge);
  }

  /** Before publishing `count` documents. False when aborted while waiting (the page is then not published). */
  async beforePublish(count: number, signal?: AbortSignal): Promise<boolean> {
    if (!this.documents) return signal?.aborted !== true;
    if (!(await this.documents.ready(signal))) return false;
    this.documents.charge(count);
    return true;
  }

  get waitedMs(): number {
    return (this.documents?.waitedMs ?? 0) + (this.requestUnits?.waitedMs ?? 0);
  }
}
