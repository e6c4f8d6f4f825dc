/** Human forms of the report's numbers. `null` means "not measured" in the report, so it prints as a dash, not 0. */

export const NONE = '—';

/** 0 s, 85 ms, 4.2 s, 4 s, 42 s, 3 m 10 s, 2 h 5 m, 3 d 4 h. Rounds first so that 59.96 s prints as "1 m", not "60 s". */
export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return NONE;
  const s = Math.max(0, seconds);
  if (s === 0) return '0 s';
  if (s < 0.9995) return `${Math.max(1, Math.round(s * 1000))} ms`;
  const tenths = Math.round(s * 10) / 10;
  if (tenths < 10) return Number.isInteger(tenths) ? `${tenths} s` : `${tenths.toFixed(1)} s`;
  const whole = Math.round(s);
  if (whole < 60) return `${whole} s`;
  if (whole < 3600) return pair(Math.floor(whole / 60), 'm', whole % 60, 's');
  const minutes = Math.round(whole / 60);
  if (minutes < 24 * 60) return pair(Math.floor(minutes / 60), 'h', minutes % 60, 'm');
  const hours = Math.round(whole / 3600);
  return pair(Math.floor(hours / 24), 'd', hours % 24, 'h');
}

function pair(major: number, majorUnit: string, minor: number, minorUnit: string): string {
  return minor === 0 ? `${major} ${majorUnit}` : `${major} ${majorUnit} ${minor} ${minorUnit}`;
}

const grouped = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** 1,204 */
export function formatCount(value: number | null): string {
  return value === null ? NONE : grouped.format(value);
}

/** 12.5 below 100, 1,250 above: a tenth of an event per second only matters when the rate is small. */
export function formatRate(value: number | null): string {
  if (value === null) return NONE;
  return value < 100 ? value.toFixed(1) : grouped.format(value);
}

/** Seconds from `from` to `to` (ISO strings or dates), never negative: clocks of two machines may disagree a little. */
export function secondsBetween(from: string | Date, to: string | Date): number {
  return Math.max(0, (new Date(to).getTime() - new Date(from).getTime()) / 1000);
}

/** "4.2 s ago" */
export function formatAge(at: string, now: string | Date): string {
  return `${formatDuration(secondsBetween(at, now))} ago`;
}
