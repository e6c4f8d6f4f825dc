/** The pure parts of verify: the verdict table, the ledger's replace-not-add counting, the sample, repair items. */
import { describe, expect, it } from 'vitest';
import { classify, type SourceVersion } from '../../cli/ops/verify-compare.js';
import { VerifyLedger } from '../../cli/ops/verify-ledger.js';
import { deleteItemFor } from '../../cli/ops/verify-repair.js';
import { Reservoir } from '../../cli/ops/verify-sample.js';
import { compareVersions } from '../../shared/events/envelope.js';
import { mapAllVersionsItem, type PublishSource } from '../../shared/events/map-change.js';

const v = (lsn: number, ts = 100) => ({ lsn, ts });
const live = (lsn: number): SourceVersion => ({ version: v(lsn), deleted: false });
const gone = (lsn: number): SourceVersion => ({ version: v(lsn), deleted: true });
const held = (lsn: number, deleted = false) => ({ version: v(lsn), deleted });

describe('classify', () => {
  it.each([
    ['live, nothing held', live(5), undefined, 'missing'],
    ['live, same version held', live(5), held(5), 'matching'],
    ['live, older held', live(5), held(4), 'stale'],
    ['live, older tombstone held', live(5), held(4, true), 'stale'],
    ['live, newer held', live(5), held(6), 'targetNewer'],
    ['live, tombstone at its own version', live(5), held(5, true), 'targetNewer'],
    ['soft-deleted, nothing held', gone(5), undefined, 'matching'],
    ['soft-deleted, tombstone held', gone(5), held(5, true), 'matching'],
    ['soft-deleted, older tombstone held', gone(5), held(3, true), 'matching'],
    ['soft-deleted, older live held', gone(5), held(4), 'deletedButPresent'],
    ['soft-deleted, live at its version', gone(5), held(5), 'targetNewer'],
    ['soft-deleted, newer held', gone(5), held(7, true), 'targetNewer'],
  ] as const)('%s: %s', (_name, source, target, verdict) => {
    expect(classify(source, target)).toBe(verdict);
  });

  it('breaks a tie on lsn by _ts, as the targets do', () => {
    expect(classify({ version: v(5, 100), deleted: false }, { version: v(5, 99), deleted: false })).toBe('stale');
  });
});

describe('VerifyLedger', () => {
  const ref = (id: string) => ({ source: 'orders', documentId: id, partitionKey: 'p' });

  it('replaces a key read again instead of counting it twice', () => {
    const ledger = new VerifyLedger(10, () => 1);
    ledger.record('a', 'missing', ref('a'), live(1), undefined, { id: 'a' });
    ledger.record('b', 'matching', ref('b'), live(2), held(2), { id: 'b' });
    ledger.record('a', 'matching', ref('a'), live(3), held(3), { id: 'a' });
    ledger.record('b', 'stale', ref('b'), live(4), held(2), { id: 'b' });
    expect(ledger.counts).toMatchObject({ matching: 1, missing: 0, stale: 1 });
    expect(ledger.sourceDocuments).toBe(2);
    expect([...ledger.differing.keys()]).toEqual(['b']);
  });

  it('keeps repair items up to its limit, and resolves what caught up', () => {
    const ledger = new VerifyLedger(1, () => 1);
    ledger.record('a', 'missing', ref('a'), live(1), undefined, { id: 'a' });
    ledger.record('b', 'missing', ref('b'), live(1), undefined, { id: 'b' });
    ledger.recordExtra('x', ref('x'), held(9));
    expect(ledger.differing.get('a')?.item).toEqual({ id: 'a' });
    expect(ledger.differing.get('b')?.item).toBeUndefined();
    expect(ledger.itemsDropped).toBe(true);
    ledger.resolve('a');
    ledger.resolve('x');
    expect(ledger.counts).toMatchObject({ matching: 1, missing: 1, extra: 0 });
    expect(ledger.differences).toBe(1);
  });
});

describe('Reservoir', () => {
  it('keeps the first n, then replaces with probability n/seen, and updates a key in place', () => {
    const draws = [0.1, 0.9];
    const reservoir = new Reservoir<string>(2, () => draws.shift() ?? 0);
    reservoir.offer('a', 'a1');
    reservoir.offer('b', 'b1');
    reservoir.offer('c', 'c1'); // 0.1 * 3 -> slot 0: replaces a
    reservoir.offer('d', 'd1'); // 0.9 * 4 -> 3: not kept
    reservoir.offer('b', 'b2');
    expect(reservoir.values()).toEqual(['c1', 'b2']);
    expect(reservoir.has('a')).toBe(false);
    expect(reservoir.seen).toBe(4);
  });

  it('is uniform: every document is as likely to be sampled', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31) / 2 ** 31;
    const hits = new Array<number>(20).fill(0);
    for (let round = 0; round < 2_000; round += 1) {
      const reservoir = new Reservoir<number>(5, random);
      for (let index = 0; index < 20; index += 1) reservoir.offer(String(index), index);
      for (const index of reservoir.values()) hits[index] = (hits[index] ?? 0) + 1;
    }
    // Expected 500 each (5/20 of 2,000); a fair sampler stays well within ±20%.
    for (const count of hits) expect(Math.abs(count - 500)).toBeLessThan(100);
  });
});

describe('the delete a repair sends for an extra', () => {
  const source: PublishSource = {
    name: 'orders',
    account: 'local',
    database: 'shop',
    container: 'orders',
    partitionKeyPaths: ['/tenant', '/address/city'],
    changeFeedMode: 'AllVersionsAndDeletes',
  };

  it('maps to a hard delete of that document, ordered after the version the target holds', () => {
    const heldVersion = { version: v(41, 1_700_000_000), deleted: false };
    const item = deleteItemFor(
      { source: 'orders', documentId: 'o-1', partitionKey: ['t1', 'Oslo'] },
      heldVersion,
      source.partitionKeyPaths,
    );
    const mapped = mapAllVersionsItem(item, source, '2025-03-01T00:00:00.000Z');
    if (!mapped.ok) throw new Error(mapped.reason);
    expect(mapped.event).toMatchObject({
      operation: 'delete',
      deleteKind: 'hard',
      documentId: 'o-1',
      partitionKey: ['t1', 'Oslo'],
      version: { lsn: 41, ts: 1_700_000_001 },
    });
    expect(compareVersions(mapped.event.version, heldVersion.version)).toBeGreaterThan(0);
  });
});
