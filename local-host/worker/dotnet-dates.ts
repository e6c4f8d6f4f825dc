/**
 * Dates as the Functions host serialises .NET values for the worker with Newtonsoft.Json (`JsonConvert.SerializeObject`,
 * default settings: ISO 8601 with `FFFFFFF`, so trailing zeros of the fraction are dropped). A `DateTime` of Kind
 * Unspecified (e.g. `DateTimeOffset.DateTime`) has no zone suffix; a `DateTimeOffset` or a local `DateTime` on a host
 * running in UTC (as Azure's do) ends in `+00:00`.
 */

function isoCore(date: Date): string {
  const iso = date.toISOString(); // 2024-10-24T10:00:00.120Z
  const [seconds = iso, fraction = ''] = iso.slice(0, -1).split('.');
  const trimmed = fraction.replace(/0+$/, '');
  return trimmed ? `${seconds}.${trimmed}` : seconds;
}

/** A `DateTime` of Kind Unspecified (e.g. `EnqueuedTimeUtc`): no zone suffix. */
export const unspecifiedDateTime = (date: Date): string => isoCore(date);

/** A `DateTimeOffset` in UTC (e.g. `EnqueuedTime`). */
export const utcDateTimeOffset = (date: Date): string => `${isoCore(date)}+00:00`;

/** `DateTime.ToString()` in the invariant culture, e.g. "12/04/2026 18:00:00". */
export function invariantDateTimeString(date: Date): string {
  const pad = (value: number): string => String(value).padStart(2, '0');
  return (
    `${pad(date.getUTCMonth() + 1)}/${pad(date.getUTCDate())}/${date.getUTCFullYear()} ` +
    `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}:${pad(date.getUTCSeconds())}`
  );
}
