/**
 * A lease whose range split, as the Change Feed Processor's PartitionSynchronizerCore.HandlePartitionGoneAsync handles
 * it: child lease documents carrying the parent's continuation; and how the local trigger notices the split in the
 * JS SDK's change feed continuation.
 */
import { describe, expect, it } from 'vitest';
import { continuationLeftRange, continuationRanges, isPartitionGone } from '../../local-host/cosmos/feed-range-gone.js';
import { LeaseRangeError, overlappingRanges, resolveGoneLease } from '../../local-host/cosmos/lease-split.js';
import { newLease, sdkContinuation, type LeaseDocument } from '../../shared/leases/lease-documents.js';

const PREFIX = 'pre-127.0.0.1_db==_coll=';
const NOW = new Date('2026-12-05T04:00:00Z');
const CHILDREN = [
  { id: '2', min: '', max: '80' },
  { id: '3', min: '80', max: 'FF' },
];

function parent(overrides: Partial<LeaseDocument> = {}): LeaseDocument {
  return {
    ...newLease(PREFIX, { id: '0', min: '', max: 'FF' }, 'AllVersionsAndDeletes'),
    Owner: 'host-a',
    ContinuationToken: '"41"',
    properties: { note: 'kept' },
    _etag: '"e1"',
    ...overrides,
  };
}

describe('resolveGoneLease', () => {
  it('splits a partition-key-range lease into one "version" 0 lease per child, from the given continuation', () => {
    const resolution = resolveGoneLease(parent(), '"42"', [...CHILDREN].reverse(), PREFIX, NOW);
    expect(resolution).toEqual({
      kind: 'split',
      children: [
        {
          id: `${PREFIX}..2`,
          version: 0,
          LeaseToken: '2',
          FeedRange: { Range: { min: '', max: '80' } },
          Owner: null,
          ContinuationToken: '"42"',
          timestamp: NOW.toISOString(),
          properties: { note: 'kept' },
          Mode: 'Full-Fidelity Feed',
        },
        {
          id: `${PREFIX}..3`,
          version: 0,
          LeaseToken: '3',
          FeedRange: { Range: { min: '80', max: 'FF' } },
          Owner: null,
          ContinuationToken: '"42"',
          timestamp: NOW.toISOString(),
          properties: { note: 'kept' },
          Mode: 'Full-Fidelity Feed',
        },
      ],
    });
  });

  it('splits an EPK ("version" 1) lease at the children\'s boundaries, within its own range', () => {
    const epk = parent({ version: 1, LeaseToken: '20-C0', FeedRange: { Range: { min: '20', max: 'C0' } } });
    const resolution = resolveGoneLease(epk, null, CHILDREN, PREFIX, NOW);
    expect(resolution.kind).toBe('split');
    const children = resolution.kind === 'split' ? resolution.children : [];
    expect(
      children.map(({ id, version, LeaseToken, FeedRange, ContinuationToken }) => ({
        id,
        version,
        LeaseToken,
        FeedRange,
        ContinuationToken,
      })),
    ).toEqual([
      {
        id: `${PREFIX}..20-80`,
        version: 1,
        LeaseToken: '20-80',
        FeedRange: { Range: { min: '20', max: '80' } },
        ContinuationToken: null,
      },
      {
        id: `${PREFIX}..80-C0`,
        version: 1,
        LeaseToken: '80-C0',
        FeedRange: { Range: { min: '80', max: 'C0' } },
        ContinuationToken: null,
      },
    ]);
  });

  it('reports a range that is still whole as unchanged, and one range over a different one as a merge', () => {
    expect(resolveGoneLease(parent(), '"1"', [{ id: '0', min: '', max: 'FF' }], PREFIX)).toEqual({ kind: 'unchanged' });
    const half = parent({ LeaseToken: '2', FeedRange: { Range: { min: '', max: '80' } } });
    expect(resolveGoneLease(half, '"1"', [{ id: '4', min: '', max: 'FF' }], PREFIX)).toEqual({
      kind: 'merge',
      range: { id: '4', min: '', max: 'FF' },
    });
  });

  it('fails with a typed error when no range overlaps or the lease names no range', () => {
    expect(() => resolveGoneLease(parent(), null, [], PREFIX)).toThrow(LeaseRangeError);
    const { FeedRange: _none, ...old } = parent();
    expect(() => resolveGoneLease(old, null, CHILDREN, PREFIX)).toThrow(/names no FeedRange/);
  });
});

describe('overlappingRanges', () => {
  it('keeps the ranges that overlap [min, max), ordered by min', () => {
    const ranges = [
      { id: 'c', min: 'C0', max: 'FF' },
      { id: 'a', min: '', max: '40' },
      { id: 'b', min: '40', max: 'C0' },
    ];
    expect(overlappingRanges({ min: '40', max: 'C0' }, ranges).map((range) => range.id)).toEqual(['b']);
    expect(overlappingRanges({ min: '30', max: 'D0' }, ranges).map((range) => range.id)).toEqual(['a', 'b', 'c']);
  });
});

describe('noticing a split in the JS SDK change feed', () => {
  const range = { Range: { min: '', max: 'FF' } };

  it("sees the lease's one range as no change, and children or another range as the range being gone", () => {
    expect(continuationLeftRange(sdkContinuation('rid', range, '"5"'), range)).toBe(false);
    const children = JSON.stringify({
      rid: 'rid',
      Continuation: [
        { minInclusive: '', maxExclusive: '80', continuationToken: '"5"' },
        { minInclusive: '80', maxExclusive: 'FF', continuationToken: '"5"' },
      ],
    });
    expect(continuationRanges(children)).toEqual([
      { min: '', max: '80' },
      { min: '80', max: 'FF' },
    ]);
    expect(continuationLeftRange(children, range)).toBe(true);
    expect(continuationLeftRange(sdkContinuation('rid', { Range: { min: '', max: '80' } }, '"5"'), range)).toBe(true);
    expect(continuationLeftRange('not json', range)).toBe(false);
    expect(continuationLeftRange(undefined, range)).toBe(false);
  });

  it('recognises the 410 substatuses of a split', () => {
    expect(isPartitionGone({ code: 410, substatus: 1002 })).toBe(true);
    expect(isPartitionGone({ code: 410, substatus: 1007 })).toBe(true);
    expect(isPartitionGone({ code: 410, substatus: 1000 })).toBe(false);
    expect(isPartitionGone({ code: 404, substatus: 1002 })).toBe(false);
    expect(isPartitionGone(undefined)).toBe(false);
  });
});
