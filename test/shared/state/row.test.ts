import { describe, expect, it } from 'vitest';
import { emptySummary, type BatchSummary } from '../../../shared/subscribe/batch-summary.js';
import { fromTableKey, tableKey } from '../../../shared/state/columns.js';
import { NO_SESSION, parseStateEntity, stateRowKeys, toStateEntity } from '../../../shared/state/entity.js';
import { StateStoreError } from '../../../shared/state/errors.js';
import { ENQUEUE_LAG_BUCKET_BOUNDS, emptyHistogram, observe } from '../../../shared/state/histogram.js';
import {
  applySummary,
  combineRows,
  emptyRow,
  newerCheckpoint,
  newerError,
  type StateRow,
} from '../../../shared/state/row.js';
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

  it('adds errors by class, observes enqueue lag and stamps the last error with the batch time', () => {
    const at = (minute: number) => new Date(Date.UTC(2024, 4, 1, 10, minute));
    const error = { code: 'MEMORY_UNAVAILABLE', message: 'down', class: 'transient' } as const;
    const first = applySummary(
      emptyRow(),
      summary({
        errorsByClass: { transient: 3, permanent: 0 },
        lastError: error,
        enqueueLagSeconds: [0.02, 0.3],
        finishedAt: at(1),
      }),
    );
    expect(first.errorsByClass).toEqual({ transient: 3, permanent: 0 });
    expect(first.enqueueLag).toEqual(observe(emptyHistogram(ENQUEUE_LAG_BUCKET_BOUNDS), [0.02, 0.3]));
    expect(first.lastError).toEqual({ ...error, at: at(1) });
    // A batch without errors keeps the last one; a later error replaces it.
    const second = applySummary(first, summary({ enqueueLagSeconds: [5], finishedAt: at(2) }));
    expect(second.lastError).toEqual({ ...error, at: at(1) });
    expect(second.enqueueLag.buckets.reduce((a, b) => a + b)).toBe(3);
    const bad = { code: 'InvalidEvent', message: 'body is not JSON', class: 'permanent' } as const;
    const third = applySummary(
      second,
      summary({ errorsByClass: { transient: 0, permanent: 1 }, lastError: bad, finishedAt: at(3) }),
    );
    expect(third.errorsByClass).toEqual({ transient: 3, permanent: 1 });
    expect(third.lastError).toEqual({ ...bad, at: at(3) });
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

  it('keeps the newest last error across rows, whichever row it comes from', () => {
    const failing = (minute: number, code: string, errorClass: 'transient' | 'permanent') =>
      applySummary(
        emptyRow(),
        summary({
          errorsByClass: {
            transient: errorClass === 'transient' ? 2 : 0,
            permanent: errorClass === 'permanent' ? 1 : 0,
          },
          lastError: { code, message: code, class: errorClass },
          enqueueLagSeconds: [0.1],
          finishedAt: new Date(Date.UTC(2024, 4, 1, 10, minute)),
        }),
      );
    const older = failing(1, 'OLD', 'transient');
    const newer = failing(2, 'NEW', 'permanent');
    for (const both of [combineRows(older, newer), combineRows(newer, older)]) {
      expect(both.lastError?.code).toBe('NEW');
      expect(both.errorsByClass).toEqual({ transient: 2, permanent: 1 });
      expect(both.enqueueLag.buckets.reduce((x, y) => x + y)).toBe(2);
    }
    expect(combineRows(older, emptyRow()).lastError).toBe(older.lastError);
    expect(newerError(undefined, undefined)).toBeUndefined();
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
      errorsByCode: { X: 1, Y: 2 },
      errorsByClass: { transient: 2, permanent: 1 },
      lastError: { code: 'X', message: 'rejected by the target', class: 'permanent' },
      lagSeconds: [4, 4000],
      enqueueLagSeconds: [0.03, 0.7],
      lastApplied: checkpoint(1_714_557_600, 12),
    }),
  );

  it('round-trips through the stored form, writing counters as doubles', () => {
    const entity = toStateEntity(keys, row);
    expect(entity['received']).toEqual({ value: 3, type: 'Double' });
    expect(entity['errorsByCode']).toBe('{"X":1,"Y":2}');
    expect(entity).toMatchObject({
      errorsTransient: { value: 2, type: 'Double' },
      errorsPermanent: { value: 1, type: 'Double' },
      enqueueLagBuckets: '[0,0,1,0,0,0,1,0,0,0,0,0,0,0,0,0]',
      enqueueLagSum: { value: 0.73, type: 'Double' },
      lastErrorCode: 'X',
      lastErrorMessage: 'rejected by the target',
      lastErrorClass: 'permanent',
      lastErrorAt: new Date('2024-05-01T10:00:00Z'),
    });
    expect(parseStateEntity(asStored(entity))).toEqual(row);
    expect(toStateEntity(keys, emptyRow())).not.toHaveProperty('lastErrorCode');
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

  it('reads a row written before the enqueue lag, error classes and last error existed as zero and none', () => {
    const newer = asStored(toStateEntity(keys, row));
    const added = ['errorsTransient', 'errorsPermanent', 'enqueueLagBuckets', 'enqueueLagSum'];
    const lastError = ['lastErrorCode', 'lastErrorMessage', 'lastErrorClass', 'lastErrorAt'];
    const older = Object.fromEntries(
      Object.entries(newer).filter(([name]) => ![...added, ...lastError].includes(name)),
    );
    const parsed = parseStateEntity(older);
    expect(parsed).toEqual({
      ...row,
      errorsByClass: { transient: 0, permanent: 0 },
      enqueueLag: emptyHistogram(ENQUEUE_LAG_BUCKET_BOUNDS),
      lastError: undefined,
    });
    // And it keeps counting on top of what was stored.
    const next = applySummary(parsed, summary({ received: 1, enqueueLagSeconds: [0.2] }));
    expect(next.counters.received).toBe(4);
    expect(next.enqueueLag.buckets[4]).toBe(1);
  });

  it.each([
    ['enqueueLagBuckets', 'not json', /enqueueLagBuckets: not valid JSON/],
    ['enqueueLagBuckets', '[1,2,3]', /enqueueLagBuckets: .*16/],
    ['enqueueLagBuckets', JSON.stringify(Array(16).fill(-1)), /enqueueLagBuckets\.0: /],
    ['enqueueLagSum', -0.5, /enqueueLagSum: /],
    ['enqueueLagSum', undefined, /enqueue lag columns \(enqueueLagBuckets, enqueueLagSum\) must be all set/],
    ['errorsTransient', 1.5, /errorsTransient: /],
    ['errorsPermanent', 'three', /errorsPermanent: /],
    ['lastErrorClass', 'fatal', /lastErrorClass: /],
    ['lastErrorAt', '2024-05-01', /lastErrorAt: /],
    [
      'lastErrorMessage',
      undefined,
      /last error columns \(lastErrorCode, lastErrorMessage, lastErrorClass, lastErrorAt\)/,
    ],
  ])('names a bad %s (%j) in a STATE_ROW_INVALID error', (column, value, problem) => {
    const stored = { ...asStored(toStateEntity(keys, row)), [column]: value };
    let failure: unknown;
    try {
      parseStateEntity(stored);
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(StateStoreError);
    expect(failure).toMatchObject({ code: 'STATE_ROW_INVALID', retryable: false });
    expect((failure as Error).message).toContain('state row orders-copy/bucket-01 is invalid: ');
    expect((failure as Error).message).toMatch(problem);
  });
});
