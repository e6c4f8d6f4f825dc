/**
 * Durations as they reach a host: a number of milliseconds, a .NET TimeSpan string ("hh:mm:ss", "d.hh:mm:ss",
 * "hh:mm:ss.fff", as host.json and function.json write them), the `{ seconds, nanos }` object that
 * `@azure/functions` sends for retry intervals (it rounds to whole seconds), or its own `{ hours, minutes, seconds,
 * milliseconds }` Duration.
 */

const TIMESPAN = /^(?:(\d+)\.)?(\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.(\d{1,7}))?$/;

export function parseTimeSpan(text: string): number | undefined {
  const match = TIMESPAN.exec(text.trim());
  if (!match) return undefined;
  const [, days, hours, minutes, seconds, fraction] = match;
  const fractionMs = fraction ? Number(`0.${fraction}`) * 1000 : 0;
  return (
    ((Number(days ?? 0) * 24 + Number(hours)) * 60 + Number(minutes)) * 60_000 + Number(seconds) * 1000 + fractionMs
  );
}

function numberField(value: object, key: string): number {
  const field = (value as Record<string, unknown>)[key];
  return typeof field === 'number' && Number.isFinite(field) ? field : 0;
}

/** Milliseconds, or undefined when the value is not a duration in any of the accepted forms (or is negative). */
export function durationMs(value: unknown): number | undefined {
  let ms: number | undefined;
  if (typeof value === 'number' && Number.isFinite(value)) ms = value;
  else if (typeof value === 'string') ms = parseTimeSpan(value) ?? (/^\d+$/.test(value) ? Number(value) : undefined);
  else if (typeof value === 'object' && value !== null) {
    if ('nanos' in value || ('seconds' in value && !('minutes' in value) && !('hours' in value))) {
      ms = numberField(value, 'seconds') * 1000 + numberField(value, 'nanos') / 1e6;
    } else {
      ms =
        ((numberField(value, 'hours') * 60 + numberField(value, 'minutes')) * 60 + numberField(value, 'seconds')) *
          1000 +
        numberField(value, 'milliseconds');
    }
  }
  return ms !== undefined && ms >= 0 ? ms : undefined;
}

/** Like `durationMs`, but a value that is present and not a duration is an error naming the setting. */
export function requireDurationMs(value: unknown, what: string, fallback: number): number {
  if (value === undefined || value === null) return fallback;
  const ms = durationMs(value);
  if (ms === undefined) {
    throw new Error(`${what}: expected milliseconds or a "hh:mm:ss" duration, got ${JSON.stringify(value)}`);
  }
  return ms;
}
