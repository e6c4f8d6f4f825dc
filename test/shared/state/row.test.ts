import { describe, expect, it } from 'vitest';
import { emptySummary, type BatchSummary } from '../../../shared/subscribe/batch-summary.js';
import { fromTableKey, tableKey } from '../../../shared/state/columns.js';
import { NO_SESSION, parseStateEntity, stateRowKeys, toStateEntity } from '../../../shared/state/entity.js';
import { StateStoreError } from '../../../shared/state/errors.js';
import { emptyHistogram, observe } from '../../../shared/state/histogram.js';
import { applySummary, combineRows, emptyRow, newerCheckpoint, type StateRow } from '../../../shared/state/row.js';
import { asStored } from './stored.js';

function summary(overrides: Partial<BatchSummary> = {}): BatchSummary {
  return { ...emptySummary('orders-copy', 'bucket-01', 0, new Date('2024-05-01T10:00:00Z')), ...overrides };
}

const checkpoint = (ts: number, lsn: number, eventId = `e-${ts}-${lsn}`) => ({
  eventId,
  source: 'orders',
  lsn,
  ts,
});

describe('applySummary', () => {
  it('adds counters and errors, counts the batch, observes lag and keeps the input row unchanged', () => {
    const first = applySummary(
      emptyRow(),
      summary({
        received: 5,
        applied: 3,
        stale: 1,
        deadLettered: 1,
        errorsByCode: { InvalidEvent: 1 },
        lagSeconds: [1, 2, 40],
      }),
    );
    const before = structuredClone(first);
    const second = applySummary(
      first,
      summary({ received: 4, superseded: 2, ignored: 1, errorsByCode: { InvalidEvent: 2, COSMOS_400: 1 } }),
    );
    expect(first).toEqual(before);
    expect(second.counters).toEqual({
      batches: 2,
      received: 9,
      applied: 3,
      stale: 1,
      superseded: 2,
      ignored: 1,
      deadLettered: 1,
    });
    expect(second.errorsByCode).toEqual({ InvalidEvent: 3, COSMOS_400: 1 });
    expect(second.lag).toEqual(observe(emptyHistogram(), [1, 2, 40]));
  });

  it('keeps the newest checkpoint, by source time and then LSN, with the time its batch finished', () => {
    const at = (iso: string) => new Date(iso);
    let row = applySummary(
      emptyRow(),
      summary({ lastApplied: checkpoint(100, 7), finishedAt: at('2024-05-01T10:00:00Z') }),
    );
    row = applySummary(row, summary({ lastApplied: checkpoint(90, 50), finishedAt: at('2024-05-01T10:01:00Z') }));
    expect(row.checkpoint).toEqual({ ...checkpoint(100, 7), appliedAt: at('2024-05-01T10:00:00Z') });
    expect(row.lastBatchAt).toEqual(at('2024-05-01T10:01:00Z'));
    row = applySummary(row, summary({ lastApplied: checkpoint(100, 8), finishedAt: at('2024-05-01T10:02:00Z') }));
    expect(row.checkpoint).toMatchObject({ lsn: 8, appliedAt: at('2024-05-01T10:02:00Z') });
    row = applySummary(row, summary({ finishedAt: at('2024-05-01T10:03:00Z') }));
    expect(row.checkpoint).toMatchObject({ lsn: 8 });
  });

  it('combines rows of one target by summing and keeping the newest checkpoint', () => {
    const a = applySummary(emptyRow(), summary({ received: 2, lastApplied: checkpoint(100, 1), lagSeconds: [3] }));
    const b = applySummary(emptyRow(), summary({ received: 5, lastApplied: checkpoint(101, 1), lagSeconds: [9] }));
    const both = combineRows(a, b);
    expect(both.counters.received).toBe(7);
    expect(both.counters.batches).toBe(2);
    expect(both.checkpoint?.ts).toBe(101);
    expect(both.lag).toEqual(observe(emptyHistogram(), [3, 9]));
    expect(newerCheckpoint(undefined, a.checkpoint)).toBe(a.checkpoint);
  });
});

describe('state row keys', () => {
  it('uses the target and session, with a fixed key for batches without a session', () => {
    expect(stateRowKeys('orders-copy', 'bucket-07')).toEqual({ partitionKey: 'orders-copy', rowKey: 'bucket-07' });
    expect(stateRowKeys('orders-copy', undefined).rowKey).toBe(NO_SESSION);
  });

  it('escapes characters the table service forbids in keys, reversibly', () => {
    const nasty = 'a/b\\c#d?e%f\u0001g\u007fh';
    expect(tableKey(nasty)).toBe('a%2Fb%5Cc%23d%3Fe%25f%01g%7Fh');
    expect(fromTableKey(tableKey(nasty))).toBe(nasty);
    expect(fromTableKey(tableKey('50%2F'))).toBe('50%2F');
  });
});

describe('state entity', () => {
  const keys = { partitionKey: 'orders-copy', rowKey: 'bucket-01' };
  const row: StateRow = applySummary(
    emptyRow(),
    summary({
      received: 3,
      applied: 2,
      errorsByCode: { X: 1 },
      lagSeconds: [4, 4000],
      lastApplied: checkpoint(1_714_557_600, 12),
    }),
  );

  it('round-trips through the stored form, writing counters as doubles', () => {
    const entity = toStateEntity(keys, row);
    expect(entity['received']).toEqual({ value: 3, type: 'Double' });
    expect(entity['errorsByCode']).toBe('{"X":1}');
    expect(parseStateEntity(asStored(entity))).toEqual(row);
    expect(parseStateEntity(asStored(toStateEntity(keys, emptyRow())))).toEqual(emptyRow());
  });

  it('names the row and every bad column of a damaged row', () => {
    const stored = { ...asStored(toStateEntity(keys, row)), errorsByCode: '{"X":1', lagBuckets: '[1,2]' };
    const failure = (() => {
      try {
        parseStateEntity(stored);
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    expect(failure).toBeInstanceOf(StateStoreError);
    expect(failure).toMatchObject({ code: 'STATE_ROW_INVALID', retryable: false });
    const message = (failure as Error).message;
    expect(message).toContain('state row orders-copy/bucket-01 is invalid');
    expect(message).toMatch(/errorsByCode: not valid JSON \(/);
    expect(message).toMatch(/lagBuckets: .*18/);
  });

  it('rejects an unknown schema version, negative counts and a half-written checkpoint', () => {
    const stored = asStored(toStateEntity(keys, row));
    expect(() => parseStateEntity({ ...stored, schemaVersion: 2 })).toThrow(/schemaVersion/);
    expect(() => parseStateEntity({ ...stored, applied: -1 })).toThrow(/applied/);
    expect(() => parseStateEntity({ ...stored, lastLsn: undefined })).toThrow(/checkpoint columns/);
  });
});
