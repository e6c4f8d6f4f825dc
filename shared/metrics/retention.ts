/**
 * Retention of the metrics table: deletes rows older than a cutoff, a bounded number per run so that one timer run
 * stays cheap however much history has piled up; the next run continues where this one stopped.
 *
 * Row keys are inverted epoch milliseconds (`invertedTimeKey`), so rows older than the cutoff are exactly those with
 * `RowKey gt invertedTimeKey(cutoff)`: a range query on the row key inside each partition, never a scan of values.
 * Deletes go in entity-group transactions of up to 100 rows of one partition (one request each).
 */
import { odata, type TableClient, type TransactionAction } from '@azure/data-tables';
import { tableKey } from '../state/columns.js';
import { stateErrorFrom } from '../state/errors.js';
import { invertedTimeKey } from './entity.js';
import { statusOf } from '../errors.js';

/** The service's limit for one entity-group transaction. */
const TRANSACTION_SIZE = 100;
/** Largest page the service returns. */
const PAGE_SIZE = 1000;
/** The largest 13-digit key: bounds the range so rows with other kinds of keys are never touched. */
const MAX_TIME_KEY = '9999999999999';

export interface PruneOptions {
  /** Most rows one run deletes (in all partitions together); the rest waits for the next run. */
  maxRowsPerRun: number;
}

export interface PruneResult {
  /** Rows this run deleted. */
  deleted: number;
  /** Rows found old but already deleted by someone else (404), counted apart from `deleted`. */
  alreadyGone: number;
  /** Rows deleted per partition key (the escaped target name, as stored). */
  byPartition: Record<string, number>;
  /** True when the cap stopped the run: older rows may remain for the next run. */
  capped: boolean;
}

/** A type, not an interface: only type literals are assignable to the SDK's `TableEntity` index signature. */
type RowRef = { partitionKey: string; rowKey: string };

/**
 * Deletes metrics rows older than `cutoff` from the given targets' partitions (names as configured; they are escaped
 * like the rows' keys), or from every partition with `'all'`. Listed partitions share `maxRowsPerRun` fairly, so
 * one target's long history cannot hold back the others. Within a partition the query returns the youngest of the old
 * rows first (ascending inverted keys); the oldest go in a later run when the cap stops this one. Table failures
 * throw `StateStoreError`; a table that does not exist yet has nothing to prune.
 */
export async function pruneMetrics(
  table: TableClient,
  partitions: readonly string[] | 'all',
  cutoff: Date,
  options: PruneOptions,
): Promise<PruneResult> {
  const { maxRowsPerRun } = options;
  if (!Number.isInteger(maxRowsPerRun) || maxRowsPerRun < 1) {
    throw new RangeError(`maxRowsPerRun must be a whole number of at least 1, got ${maxRowsPerRun}`);
  }
  const oldest = invertedTimeKey(cutoff); // throws RangeError for an invalid or out-of-range date
  const result: PruneResult = { deleted: 0, alreadyGone: 0, byPartition: {}, capped: false };
  if (partitions === 'all') {
    const filter = odata`RowKey gt ${oldest} and RowKey le ${MAX_TIME_KEY}`;
    const rows = await findOldRows(table, filter, maxRowsPerRun + 1);
    await deleteRows(table, rows.slice(0, maxRowsPerRun), result);
    result.capped = rows.length > maxRowsPerRun;
    return result;
  }
  let budget = maxRowsPerRun;
  let pending = [...new Set(partitions.map(tableKey))];
  // Each pass gives every partition still holding old rows an equal share of what is left; a partition that needs
  // less passes the rest on. A pass either deletes something or ends the loop, so the passes are few.
  while (budget > 0 && pending.length > 0) {
    const more: string[] = [];
    const before = budget;
    for (const [index, partitionKey] of pending.entries()) {
      const share = Math.ceil(budget / (pending.length - index));
      const filter = odata`PartitionKey eq ${partitionKey} and RowKey gt ${oldest} and RowKey le ${MAX_TIME_KEY}`;
      // One row more than the share tells whether this partition has more than it may delete now.
      const rows = await findOldRows(table, filter, share + 1);
      if (rows.length > share) more.push(partitionKey);
      budget -= await deleteRows(table, rows.slice(0, share), result);
    }
    pending = budget < before ? more : [];
  }
  result.capped = pending.length > 0;
  return result;
}

/** Keys of up to `limit` rows matching `filter`, fetched key columns only. */
async function findOldRows(table: TableClient, filter: string, limit: number): Promise<RowRef[]> {
  const rows: RowRef[] = [];
  try {
    const pages = table
      .listEntities<object>({ queryOptions: { filter, select: ['PartitionKey', 'RowKey'] } })
      .byPage({ maxPageSize: Math.min(limit, PAGE_SIZE) });
    for await (const page of pages) {
      for (const row of page) {
        rows.push({ partitionKey: row.partitionKey as string, rowKey: row.rowKey as string });
        if (rows.length >= limit) return rows;
      }
    }
  } catch (error) {
    if (statusOf(error) === 404) return rows; // no table yet: nothing to prune
    throw stateErrorFrom(error, `list old metrics rows of ${table.tableName}`);
  }
  return rows;
}

/** Deletes `rows`, in transactions per partition; returns how many rows were handled (deleted or already gone). */
async function deleteRows(table: TableClient, rows: readonly RowRef[], result: PruneResult): Promise<number> {
  const byPartition = new Map<string, RowRef[]>();
  for (const row of rows) {
    const list = byPartition.get(row.partitionKey);
    if (list) list.push(row);
    else byPartition.set(row.partitionKey, [row]);
  }
  for (const [partitionKey, partitionRows] of byPartition) {
    for (let start = 0; start < partitionRows.length; start += TRANSACTION_SIZE) {
      const chunk = partitionRows.slice(start, start + TRANSACTION_SIZE);
      const deleted = await deleteChunk(table, chunk, result);
      result.deleted += deleted;
      result.byPartition[partitionKey] = (result.byPartition[partitionKey] ?? 0) + deleted;
    }
  }
  return rows.length;
}

/** Deletes one chunk of one partition; returns how many rows it deleted. */
async function deleteChunk(table: TableClient, chunk: readonly RowRef[], result: PruneResult): Promise<number> {
  const actions: TransactionAction[] = chunk.map((row) => ['delete', row]);
  try {
    await table.submitTransaction(actions);
    return chunk.length;
  } catch (error) {
    // A transaction is all or nothing: one row deleted meanwhile (another run, a person) fails all of it with 404.
    // Then delete one by one, where a 404 only means that row is already gone.
    if (statusOf(error) !== 404) throw stateErrorFrom(error, `delete old metrics rows of ${table.tableName}`);
  }
  let deleted = 0;
  for (const row of chunk) {
    try {
      await table.deleteEntity(row.partitionKey, row.rowKey);
      deleted += 1;
    } catch (error) {
      if (statusOf(error) !== 404) throw stateErrorFrom(error, `delete old metrics row of ${table.tableName}`);
      result.alreadyGone += 1;
    }
  }
  return deleted;
}
