/**
 * The state table's row format. One row per (target, session): PartitionKey = target, RowKey = session id, so each
 * Service Bus session (held by one receiver at a time) writes its own row and instances never contend in normal
 * operation, while one partition query still reads a whole target.
 *
 * Errors by code are one JSON column rather than `err_<CODE>` columns: codes are open-ended strings (`COSMOS_409`,
 * dead-letter reasons) that need not be valid property names, a row is capped at 252 properties, and a reader would
 * otherwise have to discover columns by prefix. The histogram is a JSON array for the same reason.
 */
import type { TableEntity } from '@azure/data-tables';
import { z } from 'zod';
import {
  countSchema,
  countsByCodeSchema,
  describeIssues,
  double,
  jsonColumn,
  lagBucketsSchema,
  tableKey,
} from './columns.js';
import { StateStoreError } from './errors.js';
import { COUNTER_NAMES, type CounterName, type StateRow } from './row.js';

/** Bump when the meaning of a column changes (including the histogram bounds). */
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
  return {
    ...keys,
    schemaVersion: STATE_SCHEMA_VERSION,
    ...counters,
    errorsByCode: JSON.stringify(row.errorsByCode),
    lagBuckets: JSON.stringify(row.lag.buckets),
    lagSum: double(row.lag.sum),
    ...(row.lastBatchAt && { lastBatchAt: row.lastBatchAt }),
    ...checkpoint,
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
  })
  .transform((row, ctx): StateRow => {
    const { lastEventId, lastSource, lastLsn, lastTs, lastAppliedAt } = row;
    const complete =
      lastEventId !== undefined &&
      lastSource !== undefined &&
      lastLsn !== undefined &&
      lastTs !== undefined &&
      lastAppliedAt !== undefined;
    if (!complete && [lastEventId, lastSource, lastLsn, lastTs, lastAppliedAt].some((v) => v !== undefined)) {
      ctx.addIssue({
        code: 'custom',
        message:
          'checkpoint columns (lastEventId, lastSource, lastLsn, lastTs, lastAppliedAt) must be all set or all absent',
      });
    }
    return {
      counters: Object.fromEntries(COUNTER_NAMES.map((name) => [name, row[name]])) as Record<CounterName, number>,
      errorsByCode: row.errorsByCode,
      lag: { buckets: row.lagBuckets, sum: row.lagSum },
      lastBatchAt: row.lastBatchAt,
      checkpoint: complete
        ? { eventId: lastEventId, source: lastSource, lsn: lastLsn, ts: lastTs, appliedAt: lastAppliedAt }
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
