/**
 * How a batch is cut into guard script calls. A script blocks Redis while it runs, so a call carries a bounded
 * number of events and bytes; a batch of 500 small documents is ten calls. Each call is sent as soon as it is
 * full, so Redis runs one while the client builds the next, and all of them are on the wire before the first reply
 * is awaited: one round trip per batch.
 */
import type { EventArgs } from './values.js';

export interface SliceLimits {
  maxEvents: number;
  maxBytes: number;
}

/** Above this, a call's key lists would overflow Lua's unpack() limit (about 8,000 values) in the scripts. */
export const MAX_SLICE_EVENTS = 1_000;

/**
 * A few hundred microseconds of script time for small documents; large ones are bounded by bytes instead. Smaller
 * calls let Redis start sooner and leave less to wait for after the last one is sent, but each call has a fixed
 * cost on both sides: 25 to 100 events per call measured alike, 200 and more slower (bench/targets-redis.ts).
 */
export const DEFAULT_SLICE_LIMITS: SliceLimits = { maxEvents: 50, maxBytes: 4 * 1024 * 1024 };

export function checkSliceLimits(limits: SliceLimits): SliceLimits {
  if (!Number.isInteger(limits.maxEvents) || limits.maxEvents < 1 || limits.maxEvents > MAX_SLICE_EVENTS) {
    throw new RangeError(`slices.maxEvents: expected an integer from 1 to ${MAX_SLICE_EVENTS}`);
  }
  if (!(limits.maxBytes >= 1)) throw new RangeError('slices.maxBytes: expected at least 1');
  return limits;
}

/** One script call being filled: the items it answers for, in order, and its keys and arguments. */
export class Slice<T> {
  readonly items: T[] = [];
  readonly keys: string[] = [];
  readonly args: string[];
  private bytes = 0;

  /** `head`: the arguments before the first event's (the TTLs). */
  constructor(
    private readonly limits: SliceLimits,
    head: readonly string[],
  ) {
    this.args = head.slice();
  }

  /** Whether an event still fits; an empty slice takes any event, however large. */
  fits(call: EventArgs): boolean {
    const count = this.items.length;
    return count === 0 || (count < this.limits.maxEvents && this.bytes + call.bytes <= this.limits.maxBytes);
  }

  add(item: T, call: EventArgs): void {
    this.items.push(item);
    for (const key of call.keys) this.keys.push(key);
    for (const arg of call.args) this.args.push(arg);
    this.bytes += call.bytes;
  }
}
