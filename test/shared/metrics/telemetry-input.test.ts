import { describe, expect, it } from 'vitest';
import { telemetryInputOf } from '../../../shared/metrics/telemetry-input.js';
import { statusReportSchema, type StatusReport } from '../../../shared/status/report.js';

const latency = { count: 4, meanSeconds: 1, p50Seconds: 0.8, p95Seconds: 2, p99Seconds: 2.5 };

const report: StatusReport = statusReportSchema.parse({
  schemaVersion: 1,
  generatedAt: '2026-11-26T10:00:00.000Z',
  health: 'degraded',
  sources: [
    {
      name: 'orders',
      database: 'shop',
      container: 'orders',
      changeFeedMode: 'LatestVersion',
      health: 'ok',
      reasons: [],
      pendingChanges: 3,
      lagSeconds: 1.5,
      leases: [],
    },
  ],
  targets: [
    {
      name: 'copy',
      type: 'cosmos',
      subscription: 'cosmos-target',
      health: 'degraded',
      reasons: ['dead-lettered 2 >= 1 (degraded)'],
      lagSeconds: 0,
      backlog: { active: 0, deadLettered: 2, scheduled: 0 },
      poisoned: 1,
      throughputPerSecond: 4,
      interval: {
        seconds: 60,
        received: 242,
        applied: 240,
        deadLettered: 2,
        errors: 2,
        errorRate: 2 / 242,
        errorsByCode: { InvalidEvent: 2 },
        errorsByClass: { transient: 0, permanent: 2 },
        latencyFromSource: latency,
        latencyFromEnqueue: latency,
      },
      totals: { applied: 900, deadLettered: 2, errors: 2, errorsByCode: { InvalidEvent: 2 } },
      checkpoint: null,
      lastError: null,
    },
    {
      name: 'fresh',
      type: 'redis',
      subscription: 'redis-target',
      health: 'unknown',
      reasons: ['backlog not measured'],
      lagSeconds: null,
      backlog: null,
      poisoned: null,
      throughputPerSecond: null,
      interval: null,
      totals: { applied: 0, deadLettered: 0, errors: 0, errorsByCode: {} },
      checkpoint: null,
      lastError: null,
    },
  ],
  problems: [],
});

describe('telemetryInputOf', () => {
  it('hands the report values to telemetry: gauges as measured, counters as interval deltas', () => {
    expect(telemetryInputOf(report)).toEqual({
      health: 'degraded',
      sources: [{ name: 'orders', pendingChanges: 3, lagSeconds: 1.5, health: 'ok' }],
      targets: [
        {
          name: 'copy',
          lagSeconds: 0,
          backlog: { active: 0, deadLettered: 2, scheduled: 0 },
          poisoned: 1,
          throughputPerSecond: 4,
          latency,
          health: 'degraded',
          applied: 240,
          errors: [{ code: 'InvalidEvent', count: 2 }],
        },
        {
          name: 'fresh',
          lagSeconds: null,
          backlog: null,
          poisoned: null,
          throughputPerSecond: null,
          latency: null,
          health: 'unknown',
          applied: null,
          errors: [],
        },
      ],
    });
  });
});
