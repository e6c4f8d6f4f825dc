import { describe, expect, it } from 'vitest';
import { healthThresholdsSchema } from '../../../shared/config/thresholds.js';
import { sourceSchema } from '../../../shared/config/schema.js';
import { sourceStatusSchema } from '../../../shared/status/report.js';
import { sourceStatus, type SourceEstimateInput } from '../../../shared/status/source-status.js';

const thresholds = healthThresholdsSchema.parse({});
const source = {
  ...sourceSchema.parse({
    name: 'orders',
    connection: 'Cosmos',
    database: 'shop',
    container: 'orders',
    partitionKeyPaths: ['/pk'],
  }),
  createLeaseContainer: true,
};
const steady = { id: 'l..0', leaseToken: '0', owner: 'host-a', pendingChanges: 3, lagSeconds: 2 };

describe('sourceStatus leases', () => {
  it('keeps a lease outside a split exactly as before: five fields, nothing else', () => {
    // What the estimator hands over carries more than the report shows (its continuation).
    const lease = { ...steady, continuation: '"7"' };
    const estimate: SourceEstimateInput = { leases: [lease], pendingChanges: 3, lagSeconds: 2, problems: [] };
    const status = sourceStatus(source, estimate, thresholds);
    expect(status.leases).toEqual([steady]);
    expect(sourceStatusSchema.parse(status)).toEqual(status);
  });

  it('shows a split: the splitting lease with its ranges, the superseded one with its children, totals unchanged', () => {
    const splitting = {
      id: 'l..1',
      leaseToken: '1',
      owner: 'host-b',
      pendingChanges: 5,
      lagSeconds: 9,
      state: 'splitting' as const,
      ranges: [
        { rangeId: '4', min: '40', max: '60', pendingChanges: 5, lagSeconds: 9 },
        { rangeId: '5', min: '60', max: '80', pendingChanges: 0, lagSeconds: 0 },
      ],
    };
    const superseded = {
      id: 'l..2',
      leaseToken: '2',
      owner: null,
      pendingChanges: null,
      lagSeconds: null,
      state: 'superseded' as const,
      coveredBy: ['6', '7'],
    };
    const estimate: SourceEstimateInput = {
      leases: [steady, splitting, superseded],
      pendingChanges: 8,
      lagSeconds: 9,
      problems: [{ code: 'ESTIMATOR_LEASE_SUPERSEDED', message: 'lease l..2: split; counted under 6, 7' }],
    };
    const status = sourceStatus(source, estimate, thresholds);
    expect(status.leases).toEqual([steady, splitting, superseded]);
    expect(status).toMatchObject({ pendingChanges: 8, lagSeconds: 9 });
    expect(status.reasons).toContain('ESTIMATOR_LEASE_SUPERSEDED: lease l..2: split; counted under 6, 7');
    expect(sourceStatusSchema.parse(status)).toEqual(status);
  });

  it('refuses an unknown lease state and a negative range figure in the report schema', () => {
    const bad = sourceStatus(source, undefined, thresholds);
    const withLease = (lease: Record<string, unknown>): unknown => ({ ...bad, leases: [{ ...steady, ...lease }] });
    expect(sourceStatusSchema.safeParse(withLease({ state: 'merging' })).success).toBe(false);
    expect(
      sourceStatusSchema.safeParse(
        withLease({ ranges: [{ rangeId: '4', min: '', max: 'FF', pendingChanges: -1, lagSeconds: 0 }] }),
      ).success,
    ).toBe(false);
  });
});
