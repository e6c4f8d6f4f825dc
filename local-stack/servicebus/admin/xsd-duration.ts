/**
 * Service Bus writes TimeSpan values as xs:duration (`PT1M`, `P14D`, `PT0.5S`); the SDK hands these strings to callers
 * unchanged, so the local endpoint must produce the same spelling from the millisecond values of the configuration.
 */

/** TimeSpan.MaxValue, which Azure reports for "never" (default TTL, auto-delete-on-idle). */
export const MAX_TIMESPAN_DURATION = 'P10675199DT2H48M5.4775807S';

const MS_PER_SECOND = 1000;
const MS_PER_MINUTE = 60 * MS_PER_SECOND;
const MS_PER_HOUR = 60 * MS_PER_MINUTE;
const MS_PER_DAY = 24 * MS_PER_HOUR;

export function formatXsdDuration(milliseconds: number): string {
  if (!Number.isFinite(milliseconds) || milliseconds < 0) {
    throw new RangeError(`A duration must be a finite, non-negative number of milliseconds; got ${milliseconds}.`);
  }
  let rest = Math.round(milliseconds);
  const days = Math.floor(rest / MS_PER_DAY);
  rest -= days * MS_PER_DAY;
  const hours = Math.floor(rest / MS_PER_HOUR);
  rest -= hours * MS_PER_HOUR;
  const minutes = Math.floor(rest / MS_PER_MINUTE);
  rest -= minutes * MS_PER_MINUTE;
  const seconds = rest / MS_PER_SECOND;

  const datePart = days > 0 ? `${days}D` : '';
  const timePart =
    (hours > 0 ? `${hours}H` : '') + (minutes > 0 ? `${minutes}M` : '') + (seconds > 0 ? `${seconds}S` : '');
  if (datePart === '' && timePart === '') {
    return 'PT0S';
  }
  return `P${datePart}${timePart === '' ? '' : `T${timePart}`}`;
}
