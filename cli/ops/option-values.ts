/** Option values of backfill and verify, checked when commander parses them (a bad one is exit 64 at once). */
import { InvalidArgumentError } from 'commander';

/** A rate: a number above 0 (fractions allowed: `--rate 0.5` is one document every two seconds). */
export function parseRate(value: string): number {
  const rate = Number(value);
  // Number() also reads "0x10" as 16 and "0b11" as 3: only decimal text (an exponent allowed) is a rate.
  const decimal = /^(\d+(\.\d*)?|\.\d+)(e[+-]?\d+)?$/i.test(value.trim());
  if (!decimal || !Number.isFinite(rate) || rate <= 0) {
    throw new InvalidArgumentError(`expected a number above 0 per second, e.g. 200, got "${value}"`);
  }
  return rate;
}

/**
 * `--since`: an ISO 8601 date or date and time with a zone, not in the future. Relative forms ("2h") are refused on
 * purpose: the same command run again to resume would mean another time.
 */
export function parseSince(value: string, now: () => number = Date.now): string {
  const text = value.trim();
  const dateOnly = /^\d{4}-\d{2}-\d{2}$/.test(text);
  const dateTime = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text);
  const ms = Date.parse(dateOnly ? `${text}T00:00:00Z` : text);
  if ((!dateOnly && !dateTime) || !Number.isFinite(ms)) {
    throw new InvalidArgumentError(
      `expected an ISO 8601 date (2025-03-01, read as UTC) or time with a zone (2025-03-01T12:00:00Z), got "${value}"`,
    );
  }
  if (ms > now()) throw new InvalidArgumentError(`"${value}" is in the future; the change feed has nothing after now`);
  return new Date(ms).toISOString();
}

export const MAX_SAMPLE = 1_000_000;

export function parseSample(value: string): number {
  const sample = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(sample) || sample < 1 || sample > MAX_SAMPLE) {
    throw new InvalidArgumentError(`expected a whole number of documents from 1 to ${MAX_SAMPLE}, got "${value}"`);
  }
  return sample;
}
