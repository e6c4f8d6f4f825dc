/**
 * Timer schedules as the Functions timer trigger reads them, evaluated in UTC:
 * - NCRONTAB with six fields, `{second} {minute} {hour} {day} {month} {day-of-week}`: `*`, values, ranges `a-b`,
 *   steps `* /n`, `a-b/n` and `a/n`, comma lists, month names (Jan-Dec) and day names (Sun-Sat, Sunday = 0).
 *   As in NCrontab, a time must match both the day of month and the day of week (classic cron matches either).
 * - A TimeSpan "hh:mm:ss" (or "d.hh:mm:ss"): run every that long, counted from the previous run.
 */
import { parseTimeSpan } from '../durations.js';

export interface Schedule {
  /** The first occurrence strictly after `after`. */
  next(after: Date): Date;
}

interface FieldSpec {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const FIELDS: readonly FieldSpec[] = [
  { name: 'second', min: 0, max: 59 },
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day', min: 1, max: 31 },
  {
    name: 'month',
    min: 1,
    max: 12,
    names: ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'],
  },
  { name: 'day-of-week', min: 0, max: 6, names: ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'] },
];

const SEARCH_YEARS = 5;

function value(text: string, spec: FieldSpec, schedule: string): number {
  const named = spec.names?.indexOf(text.toUpperCase()) ?? -1;
  const number = named >= 0 ? named + spec.min : /^\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isInteger(number) || number < spec.min || number > spec.max) {
    throw new Error(`schedule "${schedule}": ${spec.name} "${text}" is not in ${spec.min}-${spec.max}`);
  }
  return number;
}

function parseField(text: string, spec: FieldSpec, schedule: string): Set<number> {
  const values = new Set<number>();
  for (const part of text.split(',')) {
    const [rangeText = '', stepText, extra] = part.split('/');
    if (extra !== undefined || rangeText === '') throw new Error(`schedule "${schedule}": bad ${spec.name} "${part}"`);
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1)
      throw new Error(`schedule "${schedule}": bad step in ${spec.name} "${part}"`);
    let from: number;
    let to: number;
    if (rangeText === '*') [from, to] = [spec.min, spec.max];
    else if (rangeText.includes('-')) {
      const [low = '', high = ''] = rangeText.split('-');
      [from, to] = [value(low, spec, schedule), value(high, spec, schedule)];
      if (from > to) throw new Error(`schedule "${schedule}": empty ${spec.name} range "${rangeText}"`);
    } else {
      from = value(rangeText, spec, schedule);
      to = stepText === undefined ? from : spec.max;
    }
    for (let current = from; current <= to; current += step) values.add(current);
  }
  return values;
}

function cronSchedule(text: string): Schedule {
  const parts = text.trim().split(/\s+/);
  if (parts.length !== FIELDS.length) {
    throw new Error(
      `schedule "${text}": expected six fields "{second} {minute} {hour} {day} {month} {day-of-week}" or "hh:mm:ss"`,
    );
  }
  const [seconds, minutes, hours, days, months, weekdays] = FIELDS.map((spec, index) =>
    parseField(parts[index] ?? '', spec, text),
  ) as [Set<number>, Set<number>, Set<number>, Set<number>, Set<number>, Set<number>];
  return {
    next(after) {
      let time = Math.floor(after.getTime() / 1000) * 1000 + 1000;
      const limit = after.getTime() + SEARCH_YEARS * 366 * 24 * 3600 * 1000;
      while (time <= limit) {
        const d = new Date(time);
        const [y, mo, day, h, mi] = [
          d.getUTCFullYear(),
          d.getUTCMonth(),
          d.getUTCDate(),
          d.getUTCHours(),
          d.getUTCMinutes(),
        ];
        if (!months.has(mo + 1)) time = Date.UTC(y, mo + 1, 1);
        else if (!days.has(day) || !weekdays.has(d.getUTCDay())) time = Date.UTC(y, mo, day + 1);
        else if (!hours.has(h)) time = Date.UTC(y, mo, day, h + 1);
        else if (!minutes.has(mi)) time = Date.UTC(y, mo, day, h, mi + 1);
        else if (!seconds.has(d.getUTCSeconds())) time += 1000;
        else return d;
      }
      throw new Error(`schedule "${text}" has no occurrence in the next ${SEARCH_YEARS} years`);
    },
  };
}

export function parseSchedule(text: string): Schedule {
  const interval = parseTimeSpan(text);
  if (interval !== undefined) {
    if (interval <= 0) throw new Error(`schedule "${text}": the interval must be longer than zero`);
    return { next: (after) => new Date(after.getTime() + interval) };
  }
  return cronSchedule(text);
}
