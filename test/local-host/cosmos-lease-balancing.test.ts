/**
 * The equal-share rule the local Cosmos DB trigger balances leases by, as the Change Feed Processor's
 * EqualPartitionsBalancingStrategy.SelectLeasesToTake decides: target share, expiry, and one steal per round.
 */
import { describe, expect, it } from 'vitest';
import {
  isLeaseExpired,
  selectLeasesToTake,
  targetLeaseCount,
  type BalancingInput,
} from '../../local-host/cosmos/lease-balancing.js';
import { newLease, type LeaseDocument } from '../../shared/leases/lease-documents.js';

const NOW = Date.parse('2026-12-05T04:00:00Z');
const EXPIRATION = 60_000;

/** `owners[i]` owns lease i ('' = nobody); `ages[i]` ms since it was written (default: just now). */
function leases(owners: string[], ages: number[] = []): LeaseDocument[] {
  return owners.map((owner, index) => ({
    ...newLease('p', { id: String(index), min: String(index), max: String(index + 1) }, 'LatestVersion'),
    Owner: owner === '' ? null : owner,
    timestamp: new Date(NOW - (ages[index] ?? 0)).toISOString(),
  }));
}

const plan = (input: Partial<BalancingInput> & Pick<BalancingInput, 'leases'>) =>
  selectLeasesToTake({ owner: 'me', now: NOW, expirationMs: EXPIRATION, ...input });
const tokens = (taken: LeaseDocument[]): string[] => taken.map((lease) => lease.LeaseToken);
const repeat = (owner: string, count: number): string[] => Array.from({ length: count }, () => owner);

describe('targetLeaseCount', () => {
  it('is ceil(leases / owners), at least 1, then capped by max and raised to min when those are set', () => {
    expect(targetLeaseCount(8, 1)).toBe(8);
    expect(targetLeaseCount(8, 2)).toBe(4);
    expect(targetLeaseCount(8, 3)).toBe(3);
    expect(targetLeaseCount(2, 5)).toBe(1);
    expect(targetLeaseCount(8, 2, 0, 3)).toBe(3);
    expect(targetLeaseCount(8, 2, 6, 0)).toBe(6);
    expect(targetLeaseCount(8, 2, 6, 5)).toBe(6); // the processor applies the minimum last
  });
});

describe('isLeaseExpired', () => {
  it('is strictly later than timestamp + expiration interval, falling back to _ts without a timestamp', () => {
    const [lease] = leases(['a'], [EXPIRATION]);
    expect(isLeaseExpired(lease as LeaseDocument, NOW, EXPIRATION)).toBe(false);
    expect(isLeaseExpired(lease as LeaseDocument, NOW + 1, EXPIRATION)).toBe(true);
    const serverTime = { ...(lease as LeaseDocument), timestamp: '', _ts: (NOW - 61_000) / 1000 };
    expect(isLeaseExpired(serverTime, NOW, EXPIRATION)).toBe(true);
  });
});

describe('selectLeasesToTake', () => {
  it('takes every free lease when it is the only instance', () => {
    const result = plan({ leases: leases(repeat('', 8)) });
    expect(result).toMatchObject({ target: 8, mine: 0, owners: 1, available: 8, stealFrom: undefined });
    expect(result.take).toHaveLength(8);
  });

  it('takes nothing when there are no leases', () => {
    expect(plan({ leases: [] })).toMatchObject({ take: [], target: 0 });
  });

  it('steals one lease per round from an instance holding more than its share', () => {
    const result = plan({ leases: leases(repeat('a', 8)) });
    expect(result).toMatchObject({ target: 4, mine: 0, owners: 2, available: 0, stealFrom: 'a' });
    expect(tokens(result.take)).toEqual(['0']);
  });

  it('stops at the equal share: 4 and 4 is balanced, and so is 3, 3 and 2', () => {
    expect(plan({ leases: leases([...repeat('a', 4), ...repeat('me', 4)]) }).take).toEqual([]);
    expect(plan({ leases: leases([...repeat('a', 3), ...repeat('b', 3), ...repeat('me', 2)]) }).take).toEqual([]);
  });

  it('steals from an owner exactly at the target when it lacks more than one (target - 1 rule)', () => {
    // 6 leases, 4 owners: target 2; "me" lacks 2, so an owner with 2 is "more than target - 1".
    const result = plan({ leases: leases([...repeat('a', 2), ...repeat('b', 2), ...repeat('c', 2)]) });
    expect(result).toMatchObject({ target: 2, mine: 0, stealFrom: 'c' }); // a tie goes to the owner counted last
    expect(tokens(result.take)).toEqual(['4']);
    // Lacking one, it does not steal from an owner at the target.
    expect(plan({ leases: leases([...repeat('a', 2), ...repeat('b', 2), 'me']) }).take).toEqual([]);
  });

  it('counts expired leases as free and their owner as gone, and takes them before stealing', () => {
    const owners = [...repeat('a', 6), ...repeat('b', 2)];
    const result = plan({ leases: leases(owners, [0, 0, 0, 0, 0, 0, EXPIRATION + 1, EXPIRATION + 1]) });
    expect(result).toMatchObject({ owners: 2, available: 2, target: 4, stealFrom: undefined });
    expect(tokens(result.take)).toEqual(['6', '7']);
  });

  it('takes all leases of an instance that stopped renewing once they expire', () => {
    const owners = [...repeat('a', 4), ...repeat('me', 4)];
    const ages = [...repeat('', 4).map(() => EXPIRATION + 1), 0, 0, 0, 0];
    const result = plan({ leases: leases(owners, ages) });
    expect(result).toMatchObject({ owners: 1, target: 8, mine: 4 });
    expect(tokens(result.take)).toEqual(['0', '1', '2', '3']);
  });

  it('treats a blank owner as no owner and respects a maximum share', () => {
    expect(plan({ leases: leases(['  ', '', 'a', 'a']) }).take).toHaveLength(2);
    expect(plan({ leases: leases(repeat('', 8)), maxLeases: 3 }).take).toHaveLength(3);
  });

  it('converges to equal shares when instances run rounds in turn and steals are applied', () => {
    for (const instances of [2, 3, 5]) {
      const names = Array.from({ length: instances }, (_, index) => `i${index}`);
      let state = leases(repeat('i0', 8));
      for (let round = 0; round < 20; round += 1) {
        for (const owner of names) {
          const taken = new Set(tokens(plan({ leases: state, owner }).take));
          state = state.map((lease) => (taken.has(lease.LeaseToken) ? { ...lease, Owner: owner } : lease));
        }
      }
      const counts = names.map((owner) => state.filter((lease) => lease.Owner === owner).length).sort();
      const share = Math.floor(8 / instances);
      expect(counts.every((count) => count === share || count === share + 1)).toBe(true);
      expect(counts.reduce((sum, count) => sum + count, 0)).toBe(8);
    }
  });
});
