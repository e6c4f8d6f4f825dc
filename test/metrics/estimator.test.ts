/**
 * The estimator's arithmetic and decisions on synthetic leases and change-feed answers: session tokens (good and bad),
 * empty feeds, both modes' items, un-checkpointed leases, damaged lease documents, the per-source totals and where a
 * source's leases live.
 */
import { describe, expect, it } from 'vitest';
import { sourceSchema } from '../../shared/config/schema.js';
import { newLease } from '../../shared/leases/lease-documents.js';
import { isLeaseId, parseLease, type ParsedLease } from '../../shared/leases/lease-schema.js';
import { leaseLocationOf } from '../../shared/leases/location.js';
import { startPlanOf } from '../../shared/metrics/estimator/lease-estimate.js';
import { changeCoordinates, lsnFromSessionToken, measurePage, totals } from '../../shared/metrics/estimator/math.js';
import type { LeaseEstimate } from '../../shared/metrics/estimator/types.js';

const NOW = Date.parse('2026-01-01T00:01:40Z'); // epoch second 1767225700
const NOW_S = NOW / 1000;

describe('lsnFromSessionToken', () => {
  it.each([
    ['0:-1#123', 123],
    ['0:123', 123],
    ['5:2#77', 77],
    ['0:-1#123#1=120#2=118', 123], // multi-region: the global LSN, not a regional pair
    ['123', 123], // no range id at all
  ])('reads %s as %d', (token, lsn) => {
    expect(lsnFromSessionToken(token)).toBe(lsn);
  });

  it.each([undefined, '', '0:', '0:-1#', '0:-1#abc', '0:-1#-5', '0:1.5', '0:-1#12,1:-1#13', 'garbage'])(
    'rejects %s',
    (token) => {
      expect(lsnFromSessionToken(token)).toBeUndefined();
    },
  );
});

describe('measurePage', () => {
  it('counts nothing pending on a 304 or an empty page, whatever the session token', () => {
    for (const page of [
      { statusCode: 304, items: [], sessionToken: '0:-1#40' },
      { statusCode: 200, items: [], sessionToken: undefined },
      { statusCode: 304, items: [{ _lsn: 1, _ts: 1 }], sessionToken: 'bad' },
    ]) {
      expect(measurePage(page, 'LatestVersion', NOW)).toEqual({ pendingChanges: 0, lagSeconds: 0, problems: [] });
    }
  });

  it('LatestVersion: pending = session LSN - first _lsn + 1, lag = now - first _ts', () => {
    const page = { statusCode: 200, items: [{ id: 'a', _lsn: 8, _ts: NOW_S - 90 }], sessionToken: '0:-1#12' };
    expect(measurePage(page, 'LatestVersion', NOW)).toEqual({ pendingChanges: 5, lagSeconds: 90, problems: [] });
  });

  it('counts one pending change when the first one is the latest, and accepts _lsn as a string', () => {
    const page = { statusCode: 200, items: [{ _lsn: '12', _ts: NOW_S }], sessionToken: '0:12' };
    expect(measurePage(page, 'LatestVersion', NOW)).toMatchObject({ pendingChanges: 1, lagSeconds: 0 });
  });

  it('never counts less than one when an item came back (session token from a lagging replica)', () => {
    const page = { statusCode: 200, items: [{ _lsn: 20, _ts: NOW_S }], sessionToken: '0:-1#15' };
    expect(measurePage(page, 'LatestVersion', NOW).pendingChanges).toBe(1);
  });

  it('never reports a negative lag when the writer clock is ahead', () => {
    const page = { statusCode: 200, items: [{ _lsn: 3, _ts: NOW_S + 30 }], sessionToken: '0:-1#3' };
    expect(measurePage(page, 'LatestVersion', NOW).lagSeconds).toBe(0);
  });

  it('AllVersionsAndDeletes: LSN and time from metadata, also for deletes without a current image', () => {
    const replace = {
      current: { id: 'a', _ts: NOW_S - 5, _lsn: 30 },
      previous: { id: 'a' },
      metadata: { operationType: 'replace', lsn: 30, crts: NOW_S - 7 },
    };
    const remove = {
      metadata: { operationType: 'delete', lsn: 31, crts: NOW_S - 3, id: 'a', timeToLiveExpired: false },
    };
    expect(
      measurePage({ statusCode: 200, items: [replace], sessionToken: '0:-1#33' }, 'AllVersionsAndDeletes', NOW),
    ).toEqual({
      pendingChanges: 4,
      lagSeconds: 7,
      problems: [],
    });
    expect(
      measurePage({ statusCode: 200, items: [remove], sessionToken: '0:-1#33' }, 'AllVersionsAndDeletes', NOW),
    ).toEqual({
      pendingChanges: 3,
      lagSeconds: 3,
      problems: [],
    });
    // Without crts the current image's _ts still dates the change.
    expect(changeCoordinates({ current: { _ts: 9 }, metadata: { lsn: 4 } }, 'AllVersionsAndDeletes')).toEqual({
      lsn: 4,
      ts: 9,
    });
  });

  it('reads each mode only in its own shape', () => {
    expect(changeCoordinates({ _lsn: 4, _ts: 9 }, 'AllVersionsAndDeletes')).toEqual({ lsn: undefined, ts: undefined });
    expect(changeCoordinates({ metadata: { lsn: 4, crts: 9 } }, 'LatestVersion')).toEqual({
      lsn: undefined,
      ts: undefined,
    });
    expect(changeCoordinates('not an object', 'LatestVersion')).toEqual({});
    expect(changeCoordinates({ metadata: 'x' }, 'AllVersionsAndDeletes')).toEqual({});
  });

  it('a bad session token leaves pending unmeasured but the lag measured', () => {
    const page = { statusCode: 200, items: [{ _lsn: 8, _ts: NOW_S - 60 }], sessionToken: '0:-1#oops' };
    const measured = measurePage(page, 'LatestVersion', NOW);
    expect(measured).toMatchObject({ pendingChanges: null, lagSeconds: 60 });
    expect(measured.problems.map((problem) => problem.code)).toEqual(['ESTIMATOR_SESSION_TOKEN_INVALID']);
    expect(measured.problems[0]?.message).toContain('0:-1#oops');
    expect(measurePage({ ...page, sessionToken: undefined }, 'LatestVersion', NOW).pendingChanges).toBeNull();
  });

  it('an item without LSN or timestamp is reported, not guessed', () => {
    const measured = measurePage(
      { statusCode: 200, items: [{ id: 'x' }], sessionToken: '0:-1#8' },
      'LatestVersion',
      NOW,
    );
    expect(measured).toMatchObject({ pendingChanges: null, lagSeconds: null });
    expect(measured.problems.map((problem) => problem.code)).toEqual([
      'ESTIMATOR_ITEM_WITHOUT_LSN',
      'ESTIMATOR_ITEM_WITHOUT_TIMESTAMP',
    ]);
    const negative = measurePage(
      { statusCode: 200, items: [{ _lsn: -1, _ts: 1 }], sessionToken: '0:8' },
      'LatestVersion',
      NOW,
    );
    expect(negative.pendingChanges).toBeNull();
  });
});

describe('totals', () => {
  const lease = (pendingChanges: number | null, lagSeconds: number | null): LeaseEstimate => ({
    id: 'l',
    leaseToken: '0',
    owner: null,
    pendingChanges,
    lagSeconds,
    continuation: null,
  });

  it('sums pending and takes the largest lag over the measured leases', () => {
    expect(totals([lease(3, 10), lease(0, 0), lease(7, 42.5)])).toEqual({ pendingChanges: 10, lagSeconds: 42.5 });
    expect(totals([lease(null, null), lease(2, 5)])).toEqual({ pendingChanges: 2, lagSeconds: 5 });
    expect(totals([lease(4, null)])).toEqual({ pendingChanges: 4, lagSeconds: null });
  });

  it('is null when nothing was measured', () => {
    expect(totals([])).toEqual({ pendingChanges: null, lagSeconds: null });
    expect(totals([lease(null, null), lease(null, null)])).toEqual({ pendingChanges: null, lagSeconds: null });
  });
});

describe('lease documents', () => {
  const storePrefix = 'orders-acct.documents.azure.com_db==_coll=';

  it('parses what the local host (and the Functions host) writes', () => {
    const written = {
      ...newLease(storePrefix, { id: '0', min: '', max: 'FF' }, 'AllVersionsAndDeletes'),
      Owner: 'host-1',
    };
    written.ContinuationToken = '"42"';
    expect(parseLease({ ...written, _etag: '"e"', _ts: 1 })).toEqual({
      ok: true,
      lease: {
        id: `${storePrefix}..0`,
        leaseToken: '0',
        range: { min: '', max: 'FF' },
        owner: 'host-1',
        continuation: '"42"',
        mode: 'AllVersionsAndDeletes',
      },
    });
  });

  it('parses older leases: no version, FeedRange or Mode; PartitionId instead of LeaseToken; empty continuation', () => {
    const old = { id: `${storePrefix}..3`, PartitionId: '3', Owner: null, ContinuationToken: '', timestamp: 'x' };
    expect(parseLease(old)).toEqual({
      ok: true,
      lease: { id: old.id, leaseToken: '3', range: undefined, owner: null, continuation: null, mode: 'LatestVersion' },
    });
  });

  it.each([
    [{ id: 'x..0', LeaseToken: '0', ContinuationToken: 42 }, 'ContinuationToken'],
    [{ id: 'x..0', ContinuationToken: '"1"' }, 'LeaseToken'],
    [{ id: 'x..0', LeaseToken: '0', Mode: 'Sometimes Feed' }, 'Mode'],
    [{ id: 'x..0', LeaseToken: '0', FeedRange: { Range: { min: 1 } } }, 'FeedRange'],
    [{ LeaseToken: '0' }, 'id'],
    ['a string', '(document)'],
    [null, '(document)'],
  ])('reports a damaged lease %j without throwing', (document, field) => {
    const parsed = parseLease(document);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toContain(field);
  });

  it('tells lease documents from the store markers and from other processors', () => {
    expect(isLeaseId(`${storePrefix}..0`, storePrefix)).toBe(true);
    expect(isLeaseId(`${storePrefix}.info`, storePrefix)).toBe(false);
    expect(isLeaseId(`${storePrefix}.lock`, storePrefix)).toBe(false);
    expect(isLeaseId(`orders-other.host_db==_coll=..0`, storePrefix)).toBe(false);
  });
});

describe('startPlanOf', () => {
  const lease = (continuation: string | null, mode: ParsedLease['mode'] = 'LatestVersion'): ParsedLease => ({
    id: 'p..0',
    leaseToken: '0',
    range: undefined,
    owner: null,
    continuation,
    mode,
  });

  it('reads from the checkpoint when there is one', () => {
    expect(startPlanOf(lease('"7"'), { startFrom: 'now' })).toEqual({ kind: 'continuation', token: '"7"' });
    expect(startPlanOf(lease('"7"', 'AllVersionsAndDeletes'), { startFrom: 'now' })).toMatchObject({
      kind: 'continuation',
    });
  });

  it('before the first checkpoint, starts where the trigger starts', () => {
    expect(startPlanOf(lease(null), { startFrom: 'beginning' })).toEqual({ kind: 'beginning' });
    expect(startPlanOf(lease(null), { startFrom: '2026-01-01T00:00:00Z' })).toEqual({
      kind: 'time',
      time: new Date('2026-01-01T00:00:00Z'),
    });
  });

  it('cannot know where a processor started "from now" began, in either mode', () => {
    expect(startPlanOf(lease(null), { startFrom: 'now' })).toEqual({ kind: 'not-started' });
    expect(startPlanOf(lease(null, 'AllVersionsAndDeletes'), { startFrom: 'beginning' })).toEqual({
      kind: 'not-started',
    });
  });
});

describe('leaseLocationOf', () => {
  const base = { name: 'orders', database: 'shop', container: 'orders', partitionKeyPaths: ['/customerId'] };

  it('applies the trigger defaults the publish function registers with', () => {
    expect(leaseLocationOf({ ...sourceSchema.parse(base), createLeaseContainer: true })).toEqual({
      connection: 'CosmosSource',
      leaseConnection: 'CosmosSource',
      leaseDatabase: 'shop',
      leaseContainer: 'leases',
      leasePrefix: 'orders-',
    });
  });

  it('keeps configured lease settings, including an empty prefix', () => {
    const source = sourceSchema.parse({
      ...base,
      leaseConnection: 'LeaseAccount',
      leaseDatabase: 'ops',
      leaseContainer: 'sync-leases',
      leasePrefix: '',
    });
    expect(leaseLocationOf({ ...source, createLeaseContainer: true })).toEqual({
      connection: 'CosmosSource',
      leaseConnection: 'LeaseAccount',
      leaseDatabase: 'ops',
      leaseContainer: 'sync-leases',
      leasePrefix: '',
    });
  });
});
