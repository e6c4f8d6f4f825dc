import { describe, expect, it } from 'vitest';
import { documentKey, type PartitionKeyValue } from '../../../shared/events/envelope.js';
import {
  checkedPageSize,
  chunk,
  groupBySource,
  newerHeld,
  refFromKey,
  refKey,
  refOf,
  samePartitionKey,
} from '../../../shared/targets/read-back.js';
import { makeEvent } from '../../support/events.js';

describe('reading-back helpers', () => {
  it('spell a ref exactly like documentKey spells its event, and read it back', () => {
    const keys: PartitionKeyValue[] = ['p', '', 1, -2.5, true, null, ['a', 1, null]];
    for (const pk of keys) {
      const event = makeEvent({ id: 'd/ü', pk, lsn: 1, source: 's' });
      expect(refKey(refOf(event))).toBe(documentKey(event));
      expect(refFromKey(refKey(refOf(event)))).toEqual(refOf(event));
    }
    expect(samePartitionKey(1, '1')).toBe(false);
    expect(samePartitionKey(['a', 1], ['a', 1])).toBe(true);
  });

  it('page, group by source keeping input places, and keep the newer of two held versions', () => {
    expect(chunk([1, 2, 3, 4, 5], 2)).toEqual([[1, 2], [3, 4], [5]]);
    const refs = ['a', 'b', 'a'].map((source, index) => ({ source, documentId: `d${index}`, partitionKey: null }));
    expect([...groupBySource(refs)].map(([source, entries]) => [source, entries.map(({ index }) => index)])).toEqual([
      ['a', [0, 2]],
      ['b', [1]],
    ]);
    const older = { version: { lsn: 2, ts: 9 }, deleted: false };
    const newer = { version: { lsn: 2, ts: 10 }, deleted: true };
    expect(newerHeld(undefined, older)).toBe(older);
    expect(newerHeld(older, newer)).toBe(newer);
    expect(newerHeld(newer, older)).toBe(newer);
  });

  it('checks page sizes from options', () => {
    expect(checkedPageSize(undefined, 5_000)).toBe(1_000);
    expect(checkedPageSize(undefined, 500)).toBe(500);
    expect(checkedPageSize(7, 500)).toBe(7);
    expect(() => checkedPageSize(0, 500)).toThrow(/readPageSize: expected a whole number from 1 to 500/);
    expect(() => checkedPageSize(1.5, 500)).toThrow(RangeError);
  });
});
