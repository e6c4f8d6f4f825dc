/**
 * The status report: what `GET /api/status` returns, what `cosmos-sync status` prints and what the dashboard polls.
 * This schema is the documented contract (docs/metrics.md): fields are only ever added within a schema version, so
 * scripts that read it keep working. Times are ISO 8601 strings, durations seconds; `null` means "not measured"
 * (the reason is in `problems` or in the item's `reasons`), never zero.
 */
import { z } from 'zod';

export const STATUS_SCHEMA_VERSION = 1;

/** Worst first: an item's health is the worst of its checks; the report's is the worst of its items. */
export const HEALTH_LEVELS = ['failing', 'degraded', 'unknown', 'ok'] as const;
export const healthSchema = z.enum(HEALTH_LEVELS).describe('ok, degraded, failing, or unknown when not measured');
export type Health = z.infer<typeof healthSchema>;

const seconds = z.number().nonnegative();
const count = z.number().int().nonnegative();
const isoTime = z.string().datetime({ offset: true });

export const latencySummarySchema = z.object({
  count: count.describe('Events measured in the interval'),
  meanSeconds: seconds.nullable(),
  p50Seconds: seconds.nullable(),
  p95Seconds: seconds.nullable(),
  p99Seconds: seconds.nullable(),
});
export type LatencySummaryJson = z.infer<typeof latencySummarySchema>;

export const leaseRangeStatusSchema = z.object({
  rangeId: z.string().describe('Current partition key range id'),
  min: z.string().describe('Start of the EPK interval read (inclusive)'),
  max: z.string().describe('End of the EPK interval read (exclusive)'),
  pendingChanges: count.nullable(),
  lagSeconds: seconds.nullable(),
});
export type LeaseRangeStatus = z.infer<typeof leaseRangeStatusSchema>;

export const leaseStatusSchema = z.object({
  id: z.string().describe('Lease document id'),
  leaseToken: z.string().describe('Partition key range id or feed range the lease covers'),
  owner: z.string().nullable().describe('Host instance holding the lease; null when free'),
  pendingChanges: count.nullable().describe('Estimated changes not yet published from this lease'),
  lagSeconds: seconds.nullable().describe('Now minus the _ts of the first pending change; 0 when nothing is pending'),
  state: z
    .enum(['splitting', 'superseded'])
    .optional()
    .describe(
      'Only during a split: splitting = the lease spans several partition key ranges or child leases took part of it; superseded = child leases cover it all (counted under them)',
    ),
  ranges: z
    .array(leaseRangeStatusSchema)
    .optional()
    .describe('Only while splitting: the figures per current partition key range the lease is read from'),
  coveredBy: z.array(z.string()).optional().describe('Only while superseded: lease tokens of the child leases'),
});
export type LeaseStatus = z.infer<typeof leaseStatusSchema>;

export const problemSchema = z.object({
  component: z.string().describe('What could not be measured, e.g. "estimator:orders" or "backlog"'),
  code: z.string(),
  message: z.string(),
});
export type Problem = z.infer<typeof problemSchema>;

export const sourceStatusSchema = z.object({
  name: z.string(),
  database: z.string(),
  container: z.string(),
  changeFeedMode: z.enum(['LatestVersion', 'AllVersionsAndDeletes']),
  health: healthSchema,
  reasons: z.array(z.string()).describe('Why the health is not ok, one sentence each'),
  pendingChanges: count.nullable().describe("Sum of the leases' estimates"),
  lagSeconds: seconds.nullable().describe('Largest lease lag'),
  leases: z.array(leaseStatusSchema),
});
export type SourceStatus = z.infer<typeof sourceStatusSchema>;

export const backlogSchema = z.object({
  active: count.describe("Messages waiting in the target's subscription"),
  deadLettered: count.describe("Messages in the subscription's dead-letter queue"),
  scheduled: count,
});
export type Backlog = z.infer<typeof backlogSchema>;

export const lastErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  class: z.enum(['transient', 'permanent']),
  at: isoTime,
});

export const targetStatusSchema = z.object({
  name: z.string(),
  type: z.string().describe('Target kind: cosmos, postgres, redis, blob, webhook, ...'),
  subscription: z.string(),
  health: healthSchema,
  reasons: z.array(z.string()),
  lagSeconds: seconds
    .nullable()
    .describe('0 when the subscription is drained; else now minus the _ts of the newest applied event'),
  backlog: backlogSchema.nullable(),
  poisoned: count
    .nullable()
    .describe(
      'Poison records the subscriber set aside (messages it can never apply); null when they could not be counted',
    ),
  throughputPerSecond: seconds.nullable().describe('Events applied per second since the previous metrics row'),
  interval: z
    .object({
      seconds: seconds.nullable().describe("Length of the interval; null for a target's first measurement"),
      received: count,
      applied: count,
      deadLettered: count,
      errors: count,
      errorRate: z.number().min(0).nullable().describe('errors / received; null when nothing was received'),
      errorsByCode: z.record(z.string(), count),
      errorsByClass: z.object({ transient: count, permanent: count }),
      latencyFromSource: latencySummarySchema.describe('Source write (_ts) to applied'),
      latencyFromEnqueue: latencySummarySchema.describe('Service Bus enqueue to applied'),
    })
    .nullable(),
  totals: z.object({ applied: count, deadLettered: count, errors: count, errorsByCode: z.record(z.string(), count) }),
  checkpoint: z
    .object({ eventId: z.string(), source: z.string(), lsn: count, sourceTs: isoTime, appliedAt: isoTime })
    .nullable(),
  lastError: lastErrorSchema.nullable(),
});
export type TargetStatus = z.infer<typeof targetStatusSchema>;

export const statusReportSchema = z.object({
  schemaVersion: z.literal(STATUS_SCHEMA_VERSION),
  generatedAt: isoTime,
  health: healthSchema,
  sources: z.array(sourceStatusSchema),
  targets: z.array(targetStatusSchema),
  problems: z.array(problemSchema).describe('Parts that could not be measured this time'),
});
export type StatusReport = z.infer<typeof statusReportSchema>;

/** One point of a target's history (a metrics row). */
export const targetPointSchema = z.object({
  at: isoTime,
  health: healthSchema,
  lagSeconds: seconds.nullable(),
  throughputPerSecond: seconds.nullable(),
  backlogActive: count.nullable(),
  deadLettered: count.nullable().describe('Dead-letter queue length at that time'),
  errors: count.nullable().describe('Errors in the interval ending at that time'),
  latencyP99Seconds: seconds.nullable(),
});
export type TargetPoint = z.infer<typeof targetPointSchema>;

export const sourcePointSchema = z.object({
  at: isoTime,
  health: healthSchema,
  pendingChanges: count.nullable(),
  lagSeconds: seconds.nullable(),
});
export type SourcePoint = z.infer<typeof sourcePointSchema>;

/** What `GET /api/history?hours=N` returns: the metrics rows of the last hours, oldest first. */
export const historyReportSchema = z.object({
  schemaVersion: z.literal(STATUS_SCHEMA_VERSION),
  from: isoTime,
  to: isoTime,
  sources: z.array(z.object({ name: z.string(), points: z.array(sourcePointSchema) })),
  targets: z.array(z.object({ name: z.string(), points: z.array(targetPointSchema) })),
});
export type HistoryReport = z.infer<typeof historyReportSchema>;
