/**
 * Which dead letters a `deadletters` subcommand works on: by kind, reason, age and event id. Every subcommand uses the
 * same filter, so `list` with some options shows exactly what `replay` or `purge` with the same options would touch.
 */
import { InvalidArgumentError } from 'commander';
import type { DeadLetterItem, DeadLetterKind } from './deadletters-item.js';

export interface DeadLetterFilter {
  kind?: DeadLetterKind | undefined;
  /** Compared ignoring case: reasons are codes (`MaxDeliveryCountExceeded`, `WEBHOOK_422`) people retype. */
  reason?: string | undefined;
  /** Only items at least this old (milliseconds). */
  olderThanMs?: number | undefined;
  /** Only items at most this old (milliseconds). */
  newerThanMs?: number | undefined;
  eventId?: string | undefined;
}

const UNIT_MS: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** `90s`, `30m`, `2h`, `7d` (a whole number and one unit) in milliseconds; commander reports a bad one as exit 64. */
export function parseAge(value: string): number {
  const match = /^(\d{1,6})([smhd])$/.exec(value.trim());
  if (!match) {
    throw new InvalidArgumentError(`expected a duration like 90s, 30m, 2h or 7d, got "${value}"`);
  }
  return Number(match[1]) * (UNIT_MS[match[2] as string] as number);
}

export function parseKind(value: string): DeadLetterKind {
  if (value === 'dlq' || value === 'poison') return value;
  throw new InvalidArgumentError(`expected dlq (the subscription's dead-letter queue) or poison, got "${value}"`);
}

/** A whole number from 1 to `max`. */
export function parseCount(max: number): (value: string) => number {
  return (value) => {
    const count = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(count) || count < 1 || count > max) {
      throw new InvalidArgumentError(`expected a whole number from 1 to ${max}, got "${value}"`);
    }
    return count;
  };
}

/**
 * True when `item` passes every condition given. An item whose time is unknown passes no age condition: nothing says
 * it is old enough (or new enough) to be touched.
 */
export function selects(filter: DeadLetterFilter, item: DeadLetterItem, now: Date): boolean {
  if (filter.kind !== undefined && item.kind !== filter.kind) return false;
  if (filter.reason !== undefined && item.reason?.toLowerCase() !== filter.reason.toLowerCase()) return false;
  if (filter.eventId !== undefined && item.eventId !== filter.eventId) return false;
  if (filter.olderThanMs !== undefined || filter.newerThanMs !== undefined) {
    if (item.since === undefined) return false;
    const age = now.getTime() - item.since.getTime();
    if (filter.olderThanMs !== undefined && age < filter.olderThanMs) return false;
    if (filter.newerThanMs !== undefined && age > filter.newerThanMs) return false;
  }
  return true;
}
