/** Status reports for the CLI tests, built as plain objects and validated by the contract schema, so a fixture can
 * never drift from what the app may send. */
import { statusReportSchema, type StatusReport, type TargetStatus } from '../../shared/status/report.js';

export const GENERATED_AT = '2025-03-01T12:00:00.000Z';

const emptyLatency = { count: 0, meanSeconds: null, p50Seconds: null, p95Seconds: null, p99Seconds: null };

function target(overrides: Partial<TargetStatus> & Pick<TargetStatus, 'name' | 'type'>): TargetStatus {
  return {
    subscription: `${overrides.name}-sub`,
    health: 'ok',
    reasons: [],
    lagSeconds: 0,
    backlog: { active: 0, deadLettered: 0, scheduled: 0 },
    poisoned: 0,
    throughputPerSecond: null,
    interval: null,
    totals: { applied: 0, deadLettered: 0, errors: 0, errorsByCode: {} },
    checkpoint: null,
    lastError: null,
    ...overrides,
  };
}

/** A degraded app: one healthy source and target, one lagging PostgreSQL target, one unmeasured webhook. */
export function degradedReport(): StatusReport {
  return statusReportSchema.parse({
    schemaVersion: 1,
    generatedAt: GENERATED_AT,
    health: 'degraded',
    sources: [
      {
        name: 'orders',
        database: 'shop',
        container: 'orders',
        changeFeedMode: 'LatestVersion',
        health: 'ok',
        reasons: [],
        pendingChanges: 1204,
        lagSeconds: 4.2,
        leases: [
          { id: 'orders-0', leaseToken: '0', owner: 'host-a', pendingChanges: 1200, lagSeconds: 4.2 },
          { id: 'orders-1', leaseToken: '1', owner: null, pendingChanges: 4, lagSeconds: 1 },
        ],
      },
    ],
    targets: [
      target({
        name: 'orders-copy',
        type: 'cosmos',
        throughputPerSecond: 125.4,
        lagSeconds: 0.8,
        interval: {
          seconds: 60,
          received: 7524,
          applied: 7524,
          deadLettered: 0,
          errors: 0,
          errorRate: 0,
          errorsByCode: {},
          errorsByClass: { transient: 0, permanent: 0 },
          latencyFromSource: { count: 7524, meanSeconds: 0.4, p50Seconds: 0.3, p95Seconds: 0.9, p99Seconds: 1.7 },
          latencyFromEnqueue: emptyLatency,
        },
      }),
      target({
        name: 'orders-pg',
        type: 'postgres',
        health: 'degraded',
        reasons: ['lag 3 m 10 s is above the 60 s threshold'],
        lagSeconds: 190,
        backlog: { active: 5321, deadLettered: 17, scheduled: 0 },
        throughputPerSecond: 12,
        lastError: {
          code: 'PG_TIMEOUT',
          message: 'query timed out',
          class: 'transient',
          at: '2025-03-01T11:55:00.000Z',
        },
      }),
      target({
        name: 'partner-hook-with-a-rather-long-name',
        type: 'webhook',
        health: 'unknown',
        reasons: ['backlog not measured'],
        lagSeconds: null,
        backlog: null,
        poisoned: null,
      }),
    ],
    problems: [{ component: 'backlog', code: 'SB_ADMIN_UNAVAILABLE', message: 'administration endpoint refused' }],
  });
}

export function reportWithHealth(health: StatusReport['health']): StatusReport {
  return { ...degradedReport(), health };
}
