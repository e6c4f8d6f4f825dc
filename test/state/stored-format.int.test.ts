/**
 * The stored formats through Azurite and the real Tables SDK: rows written before the enqueue-lag, error-class and
 * last-error columns existed keep counting after an upgrade, damaged new columns are refused with a clear problem,
 * and metrics rows carry the new totals as a baseline (old baselines still read).
 */
import type { TableClient } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type LocalAzurite } from '../../local-stack/azurite.js';
import { parseBaseline, toMetricsEntity } from '../../shared/metrics/entity.js';
import { buildSnapshot } from '../../shared/metrics/snapshot.js';
import { toStateEntity } from '../../shared/state/entity.js';
import { ENQUEUE_LAG_BUCKET_BOUNDS, emptyHistogram } from '../../shared/state/histogram.js';
import { readTargetStates } from '../../shared/state/reader.js';
import { TableStateRecorder } from '../../shared/state/recorder.js';
import { applySummary, emptyRow } from '../../shared/state/row.js';
import { batch, randomTableName, separateClient } from './helpers.js';

let azurite: LocalAzurite;

beforeAll(async () => {
  azurite = await startAzurite({ silent: true });
});

afterAll(async () => {
  await azurite.close();
});

async function firstRow(table: TableClient): Promise<Record<string, unknown> | undefined> {
  for await (const row of table.listEntities<Record<string, unknown>>()) return row;
  return undefined;
}

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

/** Columns this change added; a row written before it has none of them. */
const NEW_COLUMNS = [
  'errorsTransient',
  'errorsPermanent',
  'enqueueLagBuckets',
  'enqueueLagSum',
  'lastErrorCode',
  'lastErrorMessage',
  'lastErrorClass',
  'lastErrorAt',
];

const keys = { partitionKey: 'copy', rowKey: 'bucket-01' };
const t0 = new Date('2024-05-01T10:00:00Z');

/** A state row as the previous version of the app wrote it: counters, errors by code, lag and a checkpoint. */
function oldStateEntity() {
  const row = applySummary(
    emptyRow(),
    batch('copy', 'bucket-01', {
      received: 4,
      applied: 3,
      deadLettered: 1,
      errorsByCode: { InvalidEvent: 1 },
      lagSeconds: [1, 2, 3],
      lastApplied: { eventId: 'orders:7', source: 'orders', lsn: 7, ts: 1_714_557_000 },
    }),
  );
  const entity = toStateEntity(keys, row);
  for (const column of NEW_COLUMNS) delete entity[column];
  return entity;
}

describe('state rows from before the new columns', () => {
  it('read as zero and no last error, and keep counting once the new code writes them', async () => {
    const table = separateClient(azurite.connectionString, randomTableName('state'));
    await table.createTable();
    await table.createEntity(oldStateEntity());

    const [before] = await readTargetStates(table);
    expect(before).toMatchObject({ invalidRows: [], counters: { received: 4, applied: 3 } });
    expect(before?.errorsByClass).toEqual({ transient: 0, permanent: 0 });
    expect(before?.enqueueLag).toEqual(emptyHistogram(ENQUEUE_LAG_BUCKET_BOUNDS));
    expect(before?.lastError).toBeUndefined();

    await new TableStateRecorder(table).record(
      batch('copy', 'bucket-01', {
        received: 2,
        applied: 2,
        enqueueLagSeconds: [0.02, 0.4],
        errorsByCode: { DOWN: 1 },
        errorsByClass: { transient: 1, permanent: 0 },
        lastError: { code: 'DOWN', message: 'target down', class: 'transient' },
        finishedAt: t0,
      }),
    );
    const [after] = await readTargetStates(table);
    expect(after?.counters).toMatchObject({ batches: 2, received: 6, applied: 5, deadLettered: 1 });
    expect(after?.errorsByCode).toEqual({ InvalidEvent: 1, DOWN: 1 });
    expect(after?.errorsByClass).toEqual({ transient: 1, permanent: 0 });
    expect(after?.lag.buckets.reduce((a, b) => a + b)).toBe(3);
    expect(after?.enqueueLag.buckets.reduce((a, b) => a + b)).toBe(2);
    expect(after?.checkpoint?.lsn).toBe(7);
    expect(after?.lastError).toEqual({ code: 'DOWN', message: 'target down', class: 'transient', at: t0 });
    expect(await table.getEntity('copy', 'bucket-01')).toMatchObject({
      schemaVersion: 1,
      errorsTransient: 1,
      enqueueLagBuckets: '[0,1,0,0,0,1,0,0,0,0,0,0,0,0,0,0]',
      lastErrorClass: 'transient',
    });
  });
});

describe('damaged new columns', () => {
  it.each([
    [{ enqueueLagBuckets: '[1,2' }, 'enqueueLagBuckets: not valid JSON'],
    [{ enqueueLagBuckets: '[1,2]' }, 'enqueueLagBuckets: Too small: expected array to have exactly 16 items'],
    [{ errorsTransient: 'many' }, 'errorsTransient: '],
    [{ lastErrorClass: 'fatal' }, 'lastErrorClass: '],
  ])('refuses %j with STATE_ROW_INVALID naming the column, and leaves the row alone', async (damage, problem) => {
    const table = separateClient(azurite.connectionString, randomTableName('state'));
    const recorder = new TableStateRecorder(table);
    await recorder.record(
      batch('copy', 'bucket-01', {
        received: 1,
        errorsByClass: { transient: 1, permanent: 0 },
        lastError: { code: 'DOWN', message: 'down', class: 'transient' },
      }),
    );
    await table.updateEntity({ ...keys, ...damage }, 'Merge');

    const failure = await rejectionOf(new TableStateRecorder(table).record(batch('copy', 'bucket-01')));
    expect(failure).toMatchObject({ code: 'STATE_ROW_INVALID', retryable: false });
    expect((failure as Error).message).toContain(`state row copy/bucket-01 is invalid: ${problem}`);
    expect(await table.getEntity('copy', 'bucket-01')).toMatchObject({ received: 1, ...damage });
    const [state] = await readTargetStates(table);
    expect(state?.invalidRows).toEqual([{ rowKey: 'bucket-01', problem: expect.stringContaining(problem) }]);
  });

  it('refuses a last error with some of its columns missing', async () => {
    const table = separateClient(azurite.connectionString, randomTableName('state'));
    await new TableStateRecorder(table).record(
      batch('copy', 'bucket-01', { lastError: { code: 'X', message: 'x', class: 'permanent' } }),
    );
    const stored = await table.getEntity<Record<string, unknown>>('copy', 'bucket-01');
    const damaged: Record<string, unknown> = { ...stored };
    delete damaged['lastErrorAt'];
    await table.updateEntity({ ...damaged, ...keys }, 'Replace');
    const [state] = await readTargetStates(table);
    expect(state?.invalidRows[0]?.problem).toMatch(/last error columns \(.*\) must be all set or all absent/);
  });
});

describe('metrics rows', () => {
  it('store the new totals as the baseline, and an old baseline still reads', async () => {
    const table = separateClient(azurite.connectionString, randomTableName('metrics'));
    await table.createTable();
    const state = applySummary(
      emptyRow(),
      batch('copy', 'bucket-01', {
        received: 2,
        applied: 2,
        lagSeconds: [3, 4],
        enqueueLagSeconds: [0.05, 0.06],
        errorsByCode: { X: 1 },
        errorsByClass: { transient: 0, permanent: 1 },
        lastError: { code: 'X', message: 'bad', class: 'permanent' },
        finishedAt: t0,
      }),
    );
    const snapshot = buildSnapshot('copy', state, 'none', new Date('2024-05-01T10:01:00Z'));
    await table.createEntity(toMetricsEntity(snapshot));
    const stored = await firstRow(table);
    expect(stored).toMatchObject({
      enqueueLatencyCount: 2,
      errorsPermanent: 1,
      errorsTransient: 0,
      lastErrorCode: 'X',
      lastErrorClass: 'permanent',
      lastErrorAt: t0,
    });
    const baseline = parseBaseline(stored as Record<string, unknown>);
    expect(baseline).toEqual({ ok: true, at: snapshot.at, totals: snapshot.totals });

    // The same row as the previous version wrote its totals.
    const { counters, errorsByCode, lagBuckets, lagSum } = JSON.parse(stored?.['totals'] as string) as Record<
      string,
      unknown
    >;
    const old = {
      ...stored,
      partitionKey: 'copy',
      rowKey: String(stored?.['rowKey']),
      totals: JSON.stringify({ counters, errorsByCode, lagBuckets, lagSum }),
    };
    await table.updateEntity(old, 'Replace');
    const reread = await firstRow(table);
    expect(parseBaseline(reread as Record<string, unknown>)).toEqual({
      ok: true,
      at: snapshot.at,
      totals: {
        ...snapshot.totals,
        errorsByClass: { transient: 0, permanent: 0 },
        enqueueLag: emptyHistogram(ENQUEUE_LAG_BUCKET_BOUNDS),
      },
    });
  });
});
