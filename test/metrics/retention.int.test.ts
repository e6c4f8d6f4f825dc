/**
 * Metrics retention against in-process Azurite: rows at known ages, a cutoff, and a cap per run.
 */
import type { TableClient, TransactionAction } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type LocalAzurite } from '../../local-stack/azurite.js';
import { invertedTimeKey } from '../../shared/metrics/entity.js';
import { pruneMetrics } from '../../shared/metrics/retention.js';
import { tableKey } from '../../shared/state/columns.js';
import { StateStoreError } from '../../shared/state/errors.js';
import { randomTableName, separateClient } from '../state/helpers.js';

const NOW = new Date('2025-03-10T12:00:00Z');
const HOUR = 3_600_000;
const CUTOFF = new Date(NOW.getTime() - 24 * HOUR);
let azurite: LocalAzurite;

beforeAll(async () => {
  azurite = await startAzurite({ silent: true });
});

afterAll(async () => {
  await azurite?.close();
});

async function freshTable(): Promise<TableClient> {
  const table = separateClient(azurite.connectionString, randomTableName('retention'));
  await table.createTable();
  return table;
}

/** One row per hour for `hours` hours before NOW (hour 0 = NOW), in transactions as the service allows. */
async function writeRows(table: TableClient, target: string, hours: number[]): Promise<void> {
  const rows = hours.map((hour) => {
    const at = new Date(NOW.getTime() - hour * HOUR);
    return { partitionKey: tableKey(target), rowKey: invertedTimeKey(at), at, target };
  });
  for (let start = 0; start < rows.length; start += 100) {
    const actions = rows.slice(start, start + 100).map((row): TransactionAction => ['create', row]);
    await table.submitTransaction(actions);
  }
}

async function hoursLeft(table: TableClient, target: string): Promise<number[]> {
  const hours: number[] = [];
  for await (const row of table.listEntities<{ at: Date }>()) {
    if (row.partitionKey === tableKey(target) && row.at instanceof Date) {
      hours.push((NOW.getTime() - row.at.getTime()) / HOUR);
    }
  }
  return hours.sort((a, b) => a - b);
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('pruneMetrics', () => {
  it('deletes only rows older than the cutoff, only in the listed partitions', async () => {
    const table = await freshTable();
    await writeRows(table, 'orders/copy', [0, 1, 23, 24, 25, 48, 200]); // '/' is escaped in keys
    await writeRows(table, 'other', [0, 30, 40]);

    const result = await pruneMetrics(table, ['orders/copy'], CUTOFF, { maxRowsPerRun: 100 });

    expect(result).toEqual({ deleted: 3, alreadyGone: 0, byPartition: { 'orders%2Fcopy': 3 }, capped: false });
    expect(await hoursLeft(table, 'orders/copy')).toEqual([0, 1, 23, 24]); // exactly at the cutoff stays
    expect(await hoursLeft(table, 'other')).toEqual([0, 30, 40]);
  });

  it('stops at the cap, in transactions of at most 100, and the next run continues', async () => {
    const table = await freshTable();
    await writeRows(table, 'big', [...range(0, 10), ...range(25, 274)]); // 250 old rows

    const first = await pruneMetrics(table, ['big'], CUTOFF, { maxRowsPerRun: 180 });
    expect(first).toMatchObject({ deleted: 180, capped: true });
    expect(await hoursLeft(table, 'big')).toHaveLength(11 + 70);

    const second = await pruneMetrics(table, ['big'], CUTOFF, { maxRowsPerRun: 180 });
    expect(second).toMatchObject({ deleted: 70, capped: false });
    expect(await hoursLeft(table, 'big')).toEqual(range(0, 10));

    expect(await pruneMetrics(table, ['big'], CUTOFF, { maxRowsPerRun: 180 })).toMatchObject({ deleted: 0 });
  });

  it('shares the cap fairly: a small partition is emptied, a large one gets the rest', async () => {
    const table = await freshTable();
    await writeRows(table, 'large', range(25, 74)); // 50 old
    await writeRows(table, 'small', range(25, 29)); // 5 old
    await writeRows(table, 'none', [0, 1]);

    const result = await pruneMetrics(table, ['large', 'small', 'none', 'never-written'], CUTOFF, {
      maxRowsPerRun: 30,
    });
    expect(result).toEqual({ deleted: 30, alreadyGone: 0, byPartition: { large: 25, small: 5 }, capped: true });
    expect(await hoursLeft(table, 'none')).toEqual([0, 1]);
  });

  it("with 'all' prunes every partition and leaves rows whose keys are not times", async () => {
    const table = await freshTable();
    await writeRows(table, 'a', [0, 30, 31]);
    await writeRows(table, 'b', [2, 50]);
    await table.createEntity({ partitionKey: 'a', rowKey: 'zz-not-a-time', note: 'kept' });

    const result = await pruneMetrics(table, 'all', CUTOFF, { maxRowsPerRun: 10 });
    expect(result).toEqual({ deleted: 3, alreadyGone: 0, byPartition: { a: 2, b: 1 }, capped: false });
    expect(await hoursLeft(table, 'a')).toEqual([0]);
    expect(await hoursLeft(table, 'b')).toEqual([2]);
    await expect(table.getEntity('a', 'zz-not-a-time')).resolves.toMatchObject({ note: 'kept' });

    await writeRows(table, 'c', [40, 41, 42]);
    expect(await pruneMetrics(table, 'all', CUTOFF, { maxRowsPerRun: 2 })).toMatchObject({ deleted: 2, capped: true });
  });

  it('counts a row deleted by someone else in the meantime as already gone, not as a failure', async () => {
    const table = await freshTable();
    await writeRows(table, 't', [30, 31, 32]);
    const other = separateClient(azurite.connectionString, table.tableName);
    // Another writer deletes one of the found rows just before the transaction is sent.
    const racing = new Proxy(table, {
      get(target, property, receiver) {
        if (property === 'submitTransaction') {
          return async (actions: TransactionAction[]) => {
            await other.deleteEntity('t', invertedTimeKey(new Date(NOW.getTime() - 31 * HOUR)));
            return target.submitTransaction(actions);
          };
        }
        const value: unknown = Reflect.get(target, property, receiver);
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });

    const result = await pruneMetrics(racing, ['t'], CUTOFF, { maxRowsPerRun: 10 });
    expect(result).toEqual({ deleted: 2, alreadyGone: 1, byPartition: { t: 2 }, capped: false });
    expect(await hoursLeft(table, 't')).toEqual([]);
  });

  it('finds nothing to prune in a table that does not exist', async () => {
    const missing = separateClient(azurite.connectionString, randomTableName('missing'));
    expect(await pruneMetrics(missing, ['x'], CUTOFF, { maxRowsPerRun: 5 })).toMatchObject({ deleted: 0 });
    expect(await pruneMetrics(missing, 'all', CUTOFF, { maxRowsPerRun: 5 })).toMatchObject({ deleted: 0 });
  });

  it('refuses a bad cap or cutoff before touching the table', async () => {
    const table = await freshTable();
    for (const maxRowsPerRun of [0, -1, 1.5, Number.NaN]) {
      await expect(pruneMetrics(table, 'all', CUTOFF, { maxRowsPerRun })).rejects.toThrow(RangeError);
    }
    await expect(pruneMetrics(table, 'all', new Date('nonsense'), { maxRowsPerRun: 1 })).rejects.toThrow(RangeError);
  });

  it('reports an unreachable table service as a retryable StateStoreError', async () => {
    const closed = await startAzurite({ silent: true });
    const table = separateClient(closed.connectionString, 'gone');
    await closed.close();
    const error = await pruneMetrics(table, ['x'], CUTOFF, { maxRowsPerRun: 5 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StateStoreError);
    expect(error).toMatchObject({ code: 'STATE_UNAVAILABLE', retryable: true });
  });
});
