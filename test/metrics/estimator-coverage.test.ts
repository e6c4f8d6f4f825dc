/** Which part of the feed each lease stands for, across splits, and how a lease's read failures become problems. */
import type { Container } from '@azure/cosmos';
import { describe, expect, it } from 'vitest';
import { sourceSchema } from '../../shared/config/schema.js';
import type { ParsedLease } from '../../shared/leases/lease-schema.js';
import {
  partsOf,
  planCoverage,
  resolveLeaseRange,
  subtractRanges,
  type LeaseRangeInput,
  type PartitionRange,
} from '../../shared/metrics/estimator/lease-coverage.js';
import { estimateLease, type LeaseContext } from '../../shared/metrics/estimator/lease-estimate.js';

const range = (id: string, min: string, max: string, parents: string[] = []): PartitionRange => ({
  id,
  min,
  max,
  parents,
});
const lease = (token: string, min?: string, max?: string): LeaseRangeInput => ({
  id: `p..${token}`,
  leaseToken: token,
  range: min !== undefined && max !== undefined ? { min, max } : undefined,
});

/** Four ranges, then "1" (40-80) split into "4" (40-60) and "5" (60-80). */
const before = [range('0', '', '40'), range('1', '40', '80'), range('2', '80', 'C0'), range('3', 'C0', 'FF')];
const after = [
  range('0', '', '40'),
  range('4', '40', '60', ['1']),
  range('5', '60', '80', ['1']),
  range('2', '80', 'C0'),
  range('3', 'C0', 'FF'),
];
const leasesOf = (ranges: PartitionRange[]): LeaseRangeInput[] => ranges.map((r) => lease(r.id, r.min, r.max));

describe('resolveLeaseRange', () => {
  it('takes the FeedRange, else the range of the token, else the union of the ranges that name the token as parent', () => {
    expect(resolveLeaseRange(lease('9', '10', '20'), after)).toEqual({ min: '10', max: '20' });
    expect(resolveLeaseRange(lease('2'), after)).toEqual({ min: '80', max: 'C0' });
    expect(resolveLeaseRange(lease('1'), after)).toEqual({ min: '40', max: '80' });
    expect(resolveLeaseRange(lease('77'), after)).toBeUndefined();
  });
});

describe('subtractRanges and partsOf', () => {
  it('leaves the pieces no hole covers, in order', () => {
    expect(subtractRanges({ min: '40', max: '80' }, [])).toEqual([{ min: '40', max: '80' }]);
    expect(subtractRanges({ min: '40', max: '80' }, [{ min: '60', max: '80' }])).toEqual([{ min: '40', max: '60' }]);
    expect(
      subtractRanges({ min: '', max: 'FF' }, [
        { min: '80', max: 'A0' },
        { min: '10', max: '20' },
      ]),
    ).toEqual([
      { min: '', max: '10' },
      { min: '20', max: '80' },
      { min: 'A0', max: 'FF' },
    ]);
    expect(
      subtractRanges({ min: '40', max: '80' }, [
        { min: '40', max: '60' },
        { min: '60', max: '80' },
      ]),
    ).toEqual([]);
  });

  it('cuts intervals at the current ranges, narrowing to the interval', () => {
    expect(partsOf([{ min: '50', max: '70' }], after)).toEqual([
      { rangeId: '4', min: '50', max: '60' },
      { rangeId: '5', min: '60', max: '70' },
    ]);
    expect(partsOf([{ min: '41', max: '42' }], after)).toEqual([{ rangeId: '4', min: '41', max: '42' }]);
  });
});

describe('planCoverage', () => {
  it('gives each of many leases its one range, nothing splitting', () => {
    const ranges = Array.from({ length: 16 }, (_, i) =>
      range(
        String(i),
        i === 0 ? '' : i.toString(16).toUpperCase() + '0',
        i === 15 ? 'FF' : (i + 1).toString(16).toUpperCase() + '0',
      ),
    );
    const plan = planCoverage(leasesOf(ranges), ranges);
    expect(plan.overlaps).toEqual([]);
    for (const r of ranges) {
      expect(plan.byLease.get(`p..${r.id}`)).toEqual({
        kind: 'read',
        range: { min: r.min, max: r.max },
        parts: [{ rangeId: r.id, min: r.min, max: r.max }],
        splitting: false,
      });
    }
  });

  it('reads a parent lease over its children while no child lease exists', () => {
    const plan = planCoverage(leasesOf(before), after);
    expect(plan.byLease.get('p..1')).toMatchObject({
      kind: 'read',
      splitting: true,
      parts: [
        { rangeId: '4', min: '40', max: '60' },
        { rangeId: '5', min: '60', max: '80' },
      ],
    });
    expect(plan.byLease.get('p..0')).toMatchObject({ splitting: false });
  });

  it('keeps for the parent only the part no child lease covers yet', () => {
    const plan = planCoverage([...leasesOf(before), lease('4', '40', '60')], after);
    expect(plan.byLease.get('p..1')).toMatchObject({
      kind: 'read',
      splitting: true,
      parts: [{ rangeId: '5', min: '60', max: '80' }],
    });
    expect(plan.byLease.get('p..4')).toMatchObject({ kind: 'read', splitting: false });
    expect(plan.overlaps).toEqual([]);
  });

  it('supersedes a parent whose children are all leased, also across two generations', () => {
    const children = [lease('4', '40', '60'), lease('5', '60', '80')];
    expect(planCoverage([...leasesOf(before), ...children], after).byLease.get('p..1')).toEqual({
      kind: 'superseded',
      range: { min: '40', max: '80' },
      coveredBy: ['4', '5'],
    });
    const grandchildren = [lease('6', '60', '70'), lease('7', '70', '80')];
    const split = [
      ...after.filter((r) => r.id !== '5'),
      range('6', '60', '70', ['1', '5']),
      range('7', '70', '80', ['1', '5']),
    ];
    const plan = planCoverage(
      [...leasesOf(before), children[0] as LeaseRangeInput, lease('5', '60', '80'), ...grandchildren],
      split,
    );
    expect(plan.byLease.get('p..1')).toMatchObject({ kind: 'superseded', coveredBy: ['4', '5', '6', '7'] });
    expect(plan.byLease.get('p..5')).toMatchObject({ kind: 'superseded', coveredBy: ['6', '7'] });
    expect(plan.byLease.get('p..6')).toMatchObject({ kind: 'read', splitting: false });
  });

  it('reports leases whose ranges overlap without nesting, or are equal, and counts both', () => {
    const plan = planCoverage(
      [lease('a', '40', '70'), lease('b', '60', '80'), lease('c', '', '40'), lease('d', '', '40')],
      after,
    );
    expect(plan.overlaps).toEqual([
      ['p..a', 'p..b'],
      ['p..c', 'p..d'],
    ]);
    expect(plan.byLease.get('p..a')).toMatchObject({ kind: 'read' });
    expect(plan.byLease.get('p..c')).toMatchObject({ kind: 'read' });
  });

  it('marks a lease it cannot place as unknown: no FeedRange and a token nobody descends from, or no ranges at all', () => {
    expect(planCoverage([lease('77')], after).byLease.get('p..77')).toEqual({ kind: 'unknown' });
    expect(planCoverage([lease('0', '', 'FF')], []).byLease.get('p..0')).toEqual({ kind: 'unknown' });
  });
});

describe('estimateLease while splitting', () => {
  const source = sourceSchema.parse({
    name: 'orders',
    connection: 'Cosmos',
    database: 'shop',
    container: 'orders',
    partitionKeyPaths: ['/pk'],
  });
  const parsed = (continuation: string | null): ParsedLease => ({
    id: 'p..1',
    leaseToken: '1',
    range: { min: '40', max: '80' },
    owner: 'host-a',
    continuation,
    mode: 'LatestVersion',
  });
  /** A container whose change feed read fails with `error`. */
  const failing = (error: unknown): LeaseContext => ({
    source: { ...source, startFrom: 'now', createLeaseContainer: true },
    containerRid: 'rid',
    feedRanges: () => Promise.resolve([]),
    monitored: {
      items: {
        getChangeFeedIterator: () => ({ readNext: () => Promise.reject(error) }),
      },
    } as unknown as Container,
  });
  const splitting = planCoverage([lease('1', '40', '80')], after).byLease.get('p..1');
  if (!splitting) throw new Error('no coverage');

  it('turns a 410 into ESTIMATOR_LEASE_RANGE_GONE and any other failure into ESTIMATOR_FEED_UNREADABLE, per range', async () => {
    const gone = await estimateLease(
      failing(Object.assign(new Error('Gone'), { code: 410 })),
      parsed('"5"'),
      splitting,
      new Date(),
    );
    expect(gone.problems.map((problem) => problem.code)).toEqual([
      'ESTIMATOR_LEASE_RANGE_GONE',
      'ESTIMATOR_LEASE_RANGE_GONE',
    ]);
    expect(gone.estimate).toMatchObject({ state: 'splitting', pendingChanges: null, lagSeconds: null });
    expect(gone.estimate.ranges?.map((part) => part.rangeId)).toEqual(['4', '5']);
    const broken = await estimateLease(
      failing(Object.assign(new Error('boom'), { code: 500 })),
      parsed('"5"'),
      splitting,
      new Date(),
    );
    expect(broken.problems[0]).toMatchObject({ code: 'ESTIMATOR_FEED_UNREADABLE' });
    expect(broken.problems[0]?.message).toMatch(/range 4 from "5".*500: boom/);
  });

  it('says once, not per range, that a lease starting from now was not checkpointed yet', async () => {
    const result = await estimateLease(failing(new Error('not read')), parsed(null), splitting, new Date());
    expect(result.problems.map((problem) => problem.code)).toEqual(['ESTIMATOR_LEASE_NOT_STARTED']);
    expect(result.estimate.state).toBe('splitting');
  });

  it('reports a superseded lease with null figures and the leases that carry them', async () => {
    const result = await estimateLease(
      failing(new Error('not read')),
      parsed('"5"'),
      { kind: 'superseded', range: { min: '40', max: '80' }, coveredBy: ['4', '5'] },
      new Date(),
    );
    expect(result.estimate).toMatchObject({ state: 'superseded', coveredBy: ['4', '5'], pendingChanges: null });
    expect(result.problems.map((problem) => problem.code)).toEqual(['ESTIMATOR_LEASE_SUPERSEDED']);
  });
});
