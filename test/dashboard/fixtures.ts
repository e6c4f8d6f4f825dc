/**
 * Status and history fixtures for the dashboard tests, parsed with the contract's own zod schemas so they cannot drift
 * from what GET /api/status and GET /api/history return. Three targets cover the three shapes a card can take:
 * healthy, degraded with a last error, and failing with nothing measured.
 */
import {
  historyReportSchema,
  statusReportSchema,
  type HistoryReport,
  type SourcePoint,
  type StatusReport,
  type TargetPoint,
  type TargetStatus,
} from '../../shared/status/report.js';

export const POINTS = 60;
/** Rendered as text by the page, never as markup: an image here would show up as a request to another host. */
export const HOSTILE_MESSAGE = 'insert failed: <img src="http://evil.example/x.png"> relation "orders" does not exist';

const latency = (p99: number | null) => ({
  count: p99 === null ? 0 : 40,
  meanSeconds: p99 === null ? null : p99 / 2,
  p50Seconds: p99 === null ? null : p99 / 3,
  p95Seconds: p99,
  p99Seconds: p99,
});

function target(name: string, type: string, overrides: Partial<TargetStatus>, p99: number | null): TargetStatus {
  return {
    name,
    type,
    subscription: `sub-${name}`,
    health: 'ok',
    reasons: [],
    lagSeconds: 0,
    backlog: { active: 0, deadLettered: 0, scheduled: 0 },
    poisoned: 0,
    throughputPerSecond: 0,
    interval: {
      seconds: 60,
      received: 40,
      applied: 40,
      deadLettered: 0,
      errors: 0,
      errorRate: 0,
      errorsByCode: {},
      errorsByClass: { transient: 0, permanent: 0 },
      latencyFromSource: latency(p99),
      latencyFromEnqueue: latency(p99),
    },
    totals: { applied: 5000, deadLettered: 0, errors: 0, errorsByCode: {} },
    checkpoint: null,
    lastError: null,
    ...overrides,
  };
}

export function statusFixture(now: Date): StatusReport {
  const at = (secondsAgo: number) => new Date(now.getTime() - secondsAgo * 1000).toISOString();
  return statusReportSchema.parse({
    schemaVersion: 1,
    generatedAt: at(3),
    health: 'failing',
    sources: [
      {
        name: 'orders',
        database: 'shop',
        container: 'orders',
        changeFeedMode: 'LatestVersion',
        health: 'ok',
        reasons: [],
        pendingChanges: 17,
        lagSeconds: 4.2,
        leases: [{ id: 'l0', leaseToken: '0', owner: 'host-1', pendingChanges: 17, lagSeconds: 4.2 }],
      },
      {
        name: 'customers',
        database: 'shop',
        container: 'customers',
        changeFeedMode: 'AllVersionsAndDeletes',
        health: 'unknown',
        reasons: ['The lag estimator could not read the leases.'],
        pendingChanges: null,
        lagSeconds: null,
        leases: [],
      },
    ],
    targets: [
      target('orders-copy', 'cosmos', { backlog: { active: 1234, deadLettered: 0, scheduled: 0 } }, 2.5),
      target(
        'orders-pg',
        'postgres',
        {
          health: 'degraded',
          reasons: ['3 messages dead-lettered in the last interval.'],
          lagSeconds: 125,
          backlog: { active: 56, deadLettered: 3, scheduled: 0 },
          poisoned: 4,
          throughputPerSecond: 12.34,
          totals: { applied: 4000, deadLettered: 3, errors: 7, errorsByCode: { TARGET_SCHEMA: 7 } },
          lastError: { code: 'TARGET_SCHEMA', message: HOSTILE_MESSAGE, class: 'permanent', at: at(90) },
        },
        0.85,
      ),
      target(
        'orders-hook',
        'webhook',
        {
          health: 'failing',
          reasons: ['The webhook answered 503 for 10 minutes.'],
          lagSeconds: null,
          backlog: null,
          throughputPerSecond: null,
          interval: null,
        },
        null,
      ),
    ],
    problems: [{ component: 'backlog:orders-hook', code: 'SERVICEBUS_UNREACHABLE', message: 'Admin API timed out' }],
  });
}

/** `POINTS` rows a minute apart for each target and source, oldest first; sources two seconds off the targets. */
export function historyFixture(now: Date): HistoryReport {
  const minute = (i: number, offsetSeconds = 0) =>
    new Date(now.getTime() - (POINTS - 1 - i) * 60_000 - offsetSeconds * 1000).toISOString();
  const series = <T>(make: (i: number) => T) => Array.from({ length: POINTS }, (_, i) => make(i));
  const targetPoints = (scale: number, missingLag: number): TargetPoint[] =>
    series((i) => ({
      at: minute(i),
      health: 'ok',
      lagSeconds: i < missingLag ? null : (i % 7) * scale,
      throughputPerSecond: i < missingLag ? null : 10 + (i % 5) * scale,
      backlogActive: ((i * 13) % 100) * scale,
      deadLettered: i % 3,
      errors: i % 11 === 0 ? 2 : 0,
      latencyP99Seconds: 0.5,
    }));
  const sourcePoints = (): SourcePoint[] =>
    series((i) => ({ at: minute(i, 2), health: 'ok', pendingChanges: i % 9, lagSeconds: (i % 4) * 1.5 }));
  return historyReportSchema.parse({
    schemaVersion: 1,
    from: minute(0),
    to: now.toISOString(),
    sources: [
      { name: 'orders', points: sourcePoints() },
      { name: 'customers', points: sourcePoints() },
    ],
    targets: [
      { name: 'orders-copy', points: targetPoints(1, 0) },
      { name: 'orders-pg', points: targetPoints(2, 0) },
      { name: 'orders-hook', points: targetPoints(3, 10) },
    ],
  });
}

/** A deployment whose timer has not run yet: no source configured, one target not measured, no metrics rows. */
export function emptyFixtures(now: Date): { status: StatusReport; history: HistoryReport } {
  const unmeasured: Partial<TargetStatus> = {
    health: 'unknown',
    lagSeconds: null,
    backlog: null,
    throughputPerSecond: null,
    interval: null,
  };
  return {
    status: statusReportSchema.parse({
      schemaVersion: 1,
      generatedAt: now.toISOString(),
      health: 'unknown',
      sources: [],
      targets: [target('fresh', 'redis', unmeasured, null)],
      problems: [],
    }),
    history: historyReportSchema.parse({
      schemaVersion: 1,
      from: new Date(now.getTime() - 3_600_000).toISOString(),
      to: now.toISOString(),
      sources: [],
      targets: [{ name: 'fresh', points: [] }],
    }),
  };
}
