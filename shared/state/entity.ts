/**
 * The state table's row format. One row per (target, session): PartitionKey = target, RowKey = session id, so each
 * Service Bus session (held by one receiver at a time) writes its own row and instances never contend in normal
 * operation, while one partition query still reads a whole target.
 *
 * Errors by code are one JSON column rather than `err_<CODE>` columns: codes are open-ended strings (`COSMOS_409`,
 * dead-letter reasons) that need not be valid property names, a row is capped at 252 properties, and a reader would
 * otherwise have to discover columns by prefix. The histograms are JSON arrays for the same reason.
 *
 * Columns added after the first rows were written (enqueue lag, errors by class, last error) are optional on read:
 * a row from before them means "nothing counted yet", so an upgrade keeps counting from the stored totals.
 */
import { redactSecrets } from '../redact.js';
import type { TableEntity } from '@azure/data-tables';
import { z } from 'zod';
import {
  countSchema,
  countsByCodeSchema,
  describeIssues,
  double,
  enqueueLagBucketsSchema,
  errorClassSchema,
  jsonColumn,
  lagBucketsSchema,
  tableKey,
} from './columns.js';
import { StateStoreError } from './errors.js';
import { ENQUEUE_LAG_BUCKET_BOUNDS, emptyHistogram, LAG_BUCKET_BOUNDS } from './histogram.js';
import { COUNTER_NAMES, type CounterName, type StateRow } from './row.js';

/**
 * Bump when the meaning of a column changes (including the histogram bounds). Adding an optional column is not such
 * a change: this version's reader takes rows without it, and an older reader ignores it; a bump would instead make
 * every instance still on the older code refuse the new rows (STATE_ROW_INVALID) during a deployment.
 */
export const STATE_SCHEMA_VERSION = 1;

/** RowKey of batches that came without a session (a subscription without sessions). */
export const NO_SESSION = 'no-session';

export function stateRowKeys(target: string, sessionId: string | undefined): { partitionKey: string; rowKey: string } {
  return { partitionKey: tableKey(target), rowKey: sessionId ? tableKey(sessionId) : NO_SESSION };
}

export function toStateEntity(keys: { partitionKey: string; rowKey: string }, row: StateRow): TableEntity {
  const counters = Object.fromEntries(COUNTER_NAMES.map((name) => [name, double(row.counters[name])]));
  const checkpoint = row.checkpoint && {
    lastEventId: row.checkpoint.eventId,
    lastSource: row.checkpoint.source,
    lastLsn: double(row.checkpoint.lsn),
    lastTs: double(row.checkpoint.ts),
    lastAppliedAt: row.checkpoint.appliedAt,
  };
  const lastError = row.lastError && {
    lastErrorCode: row.lastError.code,
    // The message may quote an SDK text holding a connection string or signed URL; the table keeps none of it.
    lastErrorMessage: redactSecrets(row.lastError.message),
    lastErrorClass: row.lastError.class,
    lastErrorAt: row.lastError.at,
  };
  return {
    ...keys,
    schemaVersion: STATE_SCHEMA_VERSION,
    ...counters,
    errorsByCode: JSON.stringify(row.errorsByCode),
    errorsTransient: double(row.errorsByClass.transient),
    errorsPermanent: double(row.errorsByClass.permanent),
    lagBuckets: JSON.stringify(row.lag.buckets),
    lagSum: double(row.lag.sum),
    enqueueLagBuckets: JSON.stringify(row.enqueueLag.buckets),
    enqueueLagSum: double(row.enqueueLag.sum),
    ...(row.lastBatchAt && { lastBatchAt: row.lastBatchAt }),
    ...checkpoint,
    ...lastError,
  };
}

const counterShape = Object.fromEntries(COUNTER_NAMES.map((name) => [name, countSchema])) as Record<
  CounterName,
  typeof countSchema
>;

/** The counters as one object (the metrics baseline stores them that way). */
export const countersSchema = z.object(counterShape);

const stateEntitySchema = z
  .object({
    schemaVersion: z.literal(STATE_SCHEMA_VERSION),
    ...counterShape,
    errorsByCode: jsonColumn(countsByCodeSchema),
    lagBuckets: jsonColumn(lagBucketsSchema),
    lagSum: z.number().nonnegative(),
    lastBatchAt: z.date().optional(),
    lastEventId: z.string().optional(),
    lastSource: z.string().optional(),
    lastLsn: z.number().optional(),
    lastTs: z.number().optional(),
    lastAppliedAt: z.date().optional(),
    // Added later; absent in older rows.
    errorsTransient: countSchema.optional(),
    errorsPermanent: countSchema.optional(),
    enqueueLagBuckets: jsonColumn(enqueueLagBucketsSchema).optional(),
    enqueueLagSum: z.number().nonnegative().optional(),
    lastErrorCode: z.string().optional(),
    lastErrorMessage: z.string().optional(),
    lastErrorClass: errorClassSchema.optional(),
    lastErrorAt: z.date().optional(),
  })
  .transform((row, ctx): StateRow => {
    const { lastEventId, lastSource, lastLsn, lastTs, lastAppliedAt } = row;
    const { enqueueLagBuckets, enqueueLagSum, lastErrorCode, lastErrorMessage, lastErrorClass, lastErrorAt } = row;
    // Groups of columns are written together; a partly set group is damage no writer produces, not "absent".
    const partial = (what: string, values: Record<string, unknown>) => {
      const set = Object.values(values).filter((value) => value !== undefined).length;
      if (set === 0 || set === Object.keys(values).length) return;
      const names = Object.keys(values).join(', ');
      ctx.addIssue({ code: 'custom', message: `${what} columns (${names}) must be all set or all absent` });
    };
    partial('checkpoint', { lastEventId, lastSource, lastLsn, lastTs, lastAppliedAt });
    partial('enqueue lag', { enqueueLagBuckets, enqueueLagSum });
    partial('last error', { lastErrorCode, lastErrorMessage, lastErrorClass, lastErrorAt });
    const checkpointSet =
      lastEventId !== undefined &&
      lastSource !== undefined &&
      lastLsn !== undefined &&
      lastTs !== undefined &&
      lastAppliedAt !== undefined;
    const lastErrorSet =
      lastErrorCode !== undefined &&
      lastErrorMessage !== undefined &&
      lastErrorClass !== undefined &&
      lastErrorAt !== undefined;
    return {
      counters: Object.fromEntries(COUNTER_NAMES.map((name) => [name, row[name]])) as Record<CounterName, number>,
      errorsByCode: row.errorsByCode,
      errorsByClass: { transient: row.errorsTransient ?? 0, permanent: row.errorsPermanent ?? 0 },
      lag: { bounds: LAG_BUCKET_BOUNDS, buckets: row.lagBuckets, sum: row.lagSum },
      enqueueLag:
        enqueueLagBuckets !== undefined && enqueueLagSum !== undefined
          ? { bounds: ENQUEUE_LAG_BUCKET_BOUNDS, buckets: enqueueLagBuckets, sum: enqueueLagSum }
          : emptyHistogram(ENQUEUE_LAG_BUCKET_BOUNDS),
      lastBatchAt: row.lastBatchAt,
      checkpoint: checkpointSet
        ? { eventId: lastEventId, source: lastSource, lsn: lastLsn, ts: lastTs, appliedAt: lastAppliedAt }
        : undefined,
      lastError: lastErrorSet
        ? // Redacted on read too: rows written before redaction existed feed the status report and metrics rows.
          { code: lastErrorCode, message: redactSecrets(lastErrorMessage), class: lastErrorClass, at: lastErrorAt }
        : undefined,
    };
  });

/** Reads a stored row, or throws STATE_ROW_INVALID naming the row and every bad column. */
export function parseStateEntity(entity: Record<string, unknown>): StateRow {
  const parsed = stateEntitySchema.safeParse(entity);
  if (parsed.success) return parsed.data;
  const where = `${String(entity['partitionKey'])}/${String(entity['rowKey'])}`;
  throw new StateStoreError('STATE_ROW_INVALID', `state row ${where} is invalid: ${describeIssues(parsed.error)}`);
}
