import { describe, expect, it } from 'vitest';
import { boundedJsonArray, MAX_STRING_COLUMN_CHARS, toSourceEntity } from '../../../shared/metrics/rows.js';
import type { SourceStatus } from '../../../shared/status/report.js';

/** A lease the way a real source's lease id looks: prefix, account host, database and container _rids, token. */
const lease = (token: number) => ({
  id: `orders-myaccount.documents.azure.com_AbCdEf==_AbCdEfGhIjK=..${token}`,
  leaseToken: String(token),
  owner: `host-${token % 3}`,
  pendingChanges: token,
  lagSeconds: 1.5,
});

const status = (leases: number, reasons: number): SourceStatus => ({
  name: 'orders',
  database: 'shop',
  container: 'orders',
  changeFeedMode: 'LatestVersion',
  health: 'unknown',
  reasons: Array.from({ length: reasons }, (_, index) => `ESTIMATOR_LEASE_NOT_STARTED: lease number ${index} is new`),
  pendingChanges: 12,
  lagSeconds: 3,
  leases: Array.from({ length: leases }, (_, index) => lease(index)),
});

describe('boundedJsonArray', () => {
  it('keeps a short array whole', () => {
    expect(boundedJsonArray([1, 'a', { b: 2 }])).toEqual({ json: '[1,"a",{"b":2}]', omitted: 0 });
    expect(boundedJsonArray([])).toEqual({ json: '[]', omitted: 0 });
  });

  it('keeps the leading items that fit, exactly up to the limit, and counts the rest', () => {
    expect(boundedJsonArray(['aa', 'bb', 'cc'], 11)).toEqual({ json: '["aa","bb"]', omitted: 1 });
    expect(boundedJsonArray(['aa', 'bb', 'cc'], 10)).toEqual({ json: '["aa"]', omitted: 2 });
    expect(boundedJsonArray(['a very long item'], 5)).toEqual({ json: '[]', omitted: 1 });
  });
});

describe('toSourceEntity with many leases', () => {
  it('writes a few leases and reasons as before, without omitted counts', () => {
    const entity = toSourceEntity(status(8, 2), new Date('2026-12-05T00:00:00Z'));
    expect(JSON.parse(entity['leases'] as string)).toHaveLength(8);
    expect(JSON.parse(entity['healthReasons'] as string)).toHaveLength(2);
    expect(entity).not.toHaveProperty('leasesOmitted');
    expect(entity).not.toHaveProperty('healthReasonsOmitted');
  });

  it('keeps 1024 leases and 1024 reasons within a Table Storage string column and says how many it left out', () => {
    const entity = toSourceEntity(status(1024, 1024), new Date('2026-12-05T00:00:00Z'));
    const leases = entity['leases'] as string;
    const reasons = entity['healthReasons'] as string;
    expect(leases.length).toBeLessThanOrEqual(MAX_STRING_COLUMN_CHARS);
    expect(reasons.length).toBeLessThanOrEqual(MAX_STRING_COLUMN_CHARS);
    const kept = JSON.parse(leases) as unknown[];
    expect(kept.length + (entity['leasesOmitted'] as number)).toBe(1024);
    expect(kept[0]).toEqual(lease(0));
    const keptReasons = JSON.parse(reasons) as unknown[];
    expect(keptReasons.length + (entity['healthReasonsOmitted'] as number)).toBe(1024);
    expect(entity['pendingChanges']).toEqual({ value: 12, type: 'Double' });
  });
});
