/**
 * How a batch is cut into guard script calls. A script blocks Redis while it runs, so a call carries a bounded
 * number of events and bytes; a batch of 500 small documents is three calls, all sent in one pipeline.
 */
import type { EventArgs } from './values.js';

export interface SliceLimits {
  maxEvents: number;
  maxBytes: number;
}

/** About a millisecond of script time for small documents; large ones are bounded by bytes instead. */
export const DEFAULT_SLICE_LIMITS: SliceLimits = { maxEvents: 200, maxBytes: 4 * 1024 * 1024 };

export function sliceCalls<T extends { call: EventArgs }>(items: readonly T[], limits: SliceLimits): T[][] {
  const slices: T[][] = [];
  let current: T[] = [];
  let bytes = 0;
  for (const item of items) {
    if (current.length > 0 && (current.length >= limits.maxEvents || bytes + item.call.bytes > limits.maxBytes)) {
      slices.push(current);
      current = [];
      bytes = 0;
    }
    current.push(item);
    bytes += item.call.bytes;
  }
  if (current.length > 0) slices.push(current);
  return slices;
}
