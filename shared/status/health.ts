/**
 * Turns measurements into a health level with reasons, by the configured thresholds. Pure, so the timer (which logs
 * warnings and writes the level into each metrics row) and the status API judge the same values the same way.
 */
import type { HealthThresholds } from '../config/thresholds.js';
import { HEALTH_LEVELS, type Health } from './report.js';

export interface HealthCheck {
  measure: keyof HealthThresholds;
  /** What the value is, for the reason text ("lag", "backlog", ...). */
  label: string;
  /** Undefined: nothing to judge (e.g. no traffic for an error rate); not a problem in itself. */
  value: number | undefined;
  unit?: 's' | '%';
}

export interface HealthVerdict {
  health: Health;
  reasons: string[];
}

/** The worse of two levels (HEALTH_LEVELS lists the worst first). */
export function worse(a: Health, b: Health): Health {
  return HEALTH_LEVELS.indexOf(a) <= HEALTH_LEVELS.indexOf(b) ? a : b;
}

export function worstOf(levels: readonly Health[]): Health {
  return levels.reduce<Health>(worse, 'ok');
}

function shown(value: number, unit: HealthCheck['unit']): string {
  if (unit === '%') return `${Number((value * 100).toPrecision(3))}%`;
  const rounded = Number.isInteger(value) ? String(value) : value.toFixed(1);
  return unit === 's' ? `${rounded} s` : rounded;
}

/**
 * Each check at or above its `failing` threshold fails, at or above `degraded` degrades. `unmeasured` names what
 * could not be measured: with nothing else wrong that makes the item `unknown`, since "no news" is not "ok".
 */
export function judge(
  checks: readonly HealthCheck[],
  thresholds: HealthThresholds,
  unmeasured: readonly string[] = [],
): HealthVerdict {
  let health: Health = unmeasured.length > 0 ? 'unknown' : 'ok';
  const reasons = unmeasured.map((what) => `${what} not measured`);
  for (const check of checks) {
    if (check.value === undefined) continue;
    const { degraded, failing } = thresholds[check.measure];
    const level: Health = check.value >= failing ? 'failing' : check.value >= degraded ? 'degraded' : 'ok';
    if (level === 'ok') continue;
    const limit = level === 'failing' ? failing : degraded;
    reasons.push(`${check.label} ${shown(check.value, check.unit)} >= ${shown(limit, check.unit)} (${level})`);
    health = worse(health, level);
  }
  return { health, reasons };
}
