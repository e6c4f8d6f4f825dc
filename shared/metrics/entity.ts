/**
 * The metrics table's row format: one row per target per run. PartitionKey = target; RowKey = inverted epoch
 * milliseconds, zero-padded, so rows sort newest first and "the previous snapshot" (and later "the current status")
 * is the first row of a partition query with $top=1, however long the history grows. ISO times would sort oldest
 * first and need a time-range filter guessed in advance.
 *
 * Interval values are typed columns (queryable, chartable); the cumulative totals the next run diffs against are one
 * JSON column, read back only as a baseline.
 */
import type { TableEntity } from '@azure/data-tables';
import { z } from 'zod';
import {
  countSchema,
  countsByCodeSchema,
  describeIssues,
  double,
  enqueueLagBucketsSchema,
  jsonColumn,
  lagBucketsSchema,
  tableKey,
} from '../state/columns.js';
import { countersSchema } from '../state/entity.js';
import { ENQUEUE_LAG_BUCKET_BOUNDS, emptyHistogram, LAG_BUCKET_BOUNDS } from '../state/histogram.js';
import type { Totals } from '../state/row.js';
import type { MetricsSnapshot } from './snapshot.js';

/** Unchanged by added columns and added (optional) totals fields, for the reasons given at STATE_SCHEMA_VERSION. */
export const METRICS_SCHEMA_VERSION = 1;

/** Largest epoch millisecond with 13 digits (year 2286); inverted keys stay fixed-width, so they sort as numbers. */
const MAX_KEY_MS = 9_999_999_999_999;

export function invertedTimeKey(at: Date): string {
  const ms = at.getTime();
  if (!(ms >= 0 && ms <= MAX_KEY_MS))
    throw new RangeError(`time out of range for a metrics row key: ${at.toISOString()}`);
  return String(MAX_KEY_MS - ms).padStart(13, '0');
}

export type MetricValue = number | string | boolean | Date | Record<string, number> | undefined;

/** The values of a snapshot as flat named fields: the row's columns and the log line's fields are both built from this. */
export function metricFields(snapshot: MetricsSnapshot): Record<string, MetricValue> {
  const { interval, checkpoint, lastError } = snapshot;
  return {
    lagSeconds: snapshot.lagSeconds,
    lastEventId: checkpoint?.eventId,
    lastSource: checkpoint?.source,
    lastSourceTs: checkpoint?.ts,
    lastAppliedAt: checkpoint?.appliedAt,
    lastBatchAt: snapshot.lastBatchAt,
    intervalSeconds: interval?.seconds,
    reset: interval?.reset,
    ...interval?.counters,
    errorsByCode: interval?.errorsByCode,
    latencyCount: interval?.latency.count,
    latencyMeanSeconds: interval?.latency.meanSeconds,
    latencyP50Seconds: interval?.latency.p50Seconds,
    latencyP95Seconds: interval?.latency.p95Seconds,
    latencyP99Seconds: interval?.latency.p99Seconds,
    enqueueLatencyCount: interval?.enqueueLatency.count,
    enqueueLatencyMeanSeconds: interval?.enqueueLatency.meanSeconds,
    enqueueLatencyP50Seconds: interval?.enqueueLatency.p50Seconds,
    enqueueLatencyP95Seconds: interval?.enqueueLatency.p95Seconds,
    enqueueLatencyP99Seconds: interval?.enqueueLatency.p99Seconds,
    errorsTransient: interval?.errorsByClass.transient,
    errorsPermanent: interval?.errorsByClass.permanent,
    lastErrorCode: lastError?.code,
    lastErrorMessage: lastError?.message,
    lastErrorClass: lastError?.class,
    lastErrorAt: lastError?.at,
  };
}

function column(value: MetricValue): unknown {
  if (typeof value === 'number') return double(value);
  if (typeof value === 'object' && !(value instanceof Date)) return JSON.stringify(value);
  return value;
}

export function toMetricsEntity(snapshot: MetricsSnapshot): TableEntity {
  const columns = Object.entries(metricFields(snapshot)).filter(([, value]) => value !== undefined);
  const { counters, errorsByCode, errorsByClass, lag, enqueueLag } = snapshot.totals;
  const totals = {
    counters,
    errorsByCode,
    errorsByClass,
    lagBuckets: lag.buckets,
    lagSum: lag.sum,
    enqueueLagBuckets: enqueueLag.buckets,
    enqueueLagSum: enqueueLag.sum,
  };
  return {
    partitionKey: tableKey(snapshot.target),
    rowKey: invertedTimeKey(snapshot.at),
    schemaVersion: METRICS_SCHEMA_VERSION,
    at: snapshot.at,
    ...Object.fromEntries(columns.map(([name, value]) => [name, column(value)])),
    totals: JSON.stringify(totals),
  };
}

const baselineSchema = z
  .object({
    schemaVersion: z.literal(METRICS_SCHEMA_VERSION),
    at: z.date(),
    totals: jsonColumn(
      z.object({
        counters: countersSchema,
        errorsByCode: countsByCodeSchema,
        lagBuckets: lagBucketsSchema,
        lagSum: z.number().nonnegative(),
        // Added later; a baseline from before them counts as zero, so the first interval after an upgrade holds
        // everything recorded since (no reset, nothing counted twice).
        errorsByClass: z.object({ transient: countSchema, permanent: countSchema }).optional(),
        enqueueLagBuckets: enqueueLagBucketsSchema.optional(),
        enqueueLagSum: z.number().nonnegative().optional(),
      }),
    ),
  })
  .superRefine(({ totals }, ctx) => {
    if ((totals.enqueueLagBuckets === undefined) !== (totals.enqueueLagSum === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['totals'], message: 'enqueueLagBuckets and enqueueLagSum go together' });
    }
  })
  .transform(({ at, totals }): { at: Date; totals: Totals } => ({
    at,
    totals: {
      counters: totals.counters,
      errorsByCode: totals.errorsByCode,
      errorsByClass: totals.errorsByClass ?? { transient: 0, permanent: 0 },
      lag: { bounds: LAG_BUCKET_BOUNDS, buckets: totals.lagBuckets, sum: totals.lagSum },
      enqueueLag:
        totals.enqueueLagBuckets && totals.enqueueLagSum !== undefined
          ? { bounds: ENQUEUE_LAG_BUCKET_BOUNDS, buckets: totals.enqueueLagBuckets, sum: totals.enqueueLagSum }
          : emptyHistogram(ENQUEUE_LAG_BUCKET_BOUNDS),
    },
  }));

/** The baseline stored in a metrics row, or a description of what is wrong with it. */
export function parseBaseline(
  entity: Record<string, unknown>,
): { ok: true; at: Date; totals: Totals } | { ok: false; problem: string } {
  const parsed = baselineSchema.safeParse(entity);
  return parsed.success ? { ok: true, ...parsed.data } : { ok: false, problem: describeIssues(parsed.error) };
}
