/**
 * Which leases one instance tries to take in one balancing round: the equal-share rule of the Change Feed Processor
 * (azure-cosmos-dotnet-v3, `Microsoft.Azure.Cosmos/src/ChangeFeedProcessor/FeedManagement/
 * EqualPartitionsBalancingStrategy.cs`, `SelectLeasesToTake`). Pure, so the rule is unit-tested apart from any I/O.
 *
 * - A lease without an owner, or not written within the expiration interval, is available; every other lease counts
 *   for its owner. This instance counts as an owner even with no lease.
 * - target = 1 when there are no more leases than owners, else ceil(leases / owners); then capped by `maxLeases` and
 *   raised to `minLeases` when those are above 0 (the processor passes 0 for both: the extension cannot set them).
 * - Below the target, take available leases up to the shortfall. With none available, steal one lease from the owner
 *   holding the most, but only when that owner holds more than the target (more than target - 1 when this instance
 *   lacks more than one): one steal per round, so a newcomer takes its share over several rounds.
 */
import { leaseWrittenAt, type LeaseDocument } from '../../shared/leases/lease-documents.js';

export interface BalancingInput {
  /** Every lease of the processor, in the order the lease container listed them. */
  leases: readonly LeaseDocument[];
  /** This instance's owner name (the processor's `HostName`). */
  owner: string;
  /** Epoch milliseconds. */
  now: number;
  expirationMs: number;
  /** 0 (the processor's default) means no lower bound on the target. */
  minLeases?: number;
  /** 0 (the processor's default) means no upper bound on the target; the extension's "max partitions per host". */
  maxLeases?: number;
}

export interface BalancingPlan {
  /** Leases to acquire now, in order. */
  take: LeaseDocument[];
  /** The owner `take[0]` is stolen from; undefined when only available leases are taken. */
  stealFrom: string | undefined;
  target: number;
  mine: number;
  owners: number;
  available: number;
}

export function isLeaseExpired(lease: LeaseDocument, now: number, expirationMs: number): boolean {
  // The processor's IsExpired: Timestamp + LeaseExpirationInterval < UtcNow (strictly).
  return leaseWrittenAt(lease) + expirationMs < now;
}

function isAvailable(lease: LeaseDocument, now: number, expirationMs: number): boolean {
  return !lease.Owner?.trim() || isLeaseExpired(lease, now, expirationMs);
}

export function targetLeaseCount(leaseCount: number, ownerCount: number, minLeases = 0, maxLeases = 0): number {
  let target = leaseCount > ownerCount ? Math.ceil(leaseCount / ownerCount) : 1;
  if (maxLeases > 0 && target > maxLeases) target = maxLeases;
  if (minLeases > 0 && target < minLeases) target = minLeases;
  return target;
}

/** The owner holding the most leases; on a tie the one counted last, as the processor's `<=` scan picks it. */
function mostLoaded(counts: ReadonlyMap<string, number>): [string, number] | undefined {
  let best: [string, number] | undefined;
  for (const entry of counts) if (entry[1] >= (best?.[1] ?? 0)) best = entry;
  return best;
}

export function selectLeasesToTake(input: BalancingInput): BalancingPlan {
  const { owner, now, expirationMs } = input;
  // One lease per lease token (the processor keys its map by token); a duplicate would be a damaged store.
  const byToken = new Map<string, LeaseDocument>();
  const available: LeaseDocument[] = [];
  const counts = new Map<string, number>();
  for (const lease of input.leases) {
    if (byToken.has(lease.LeaseToken)) continue;
    byToken.set(lease.LeaseToken, lease);
    if (isAvailable(lease, now, expirationMs)) available.push(lease);
    else counts.set(lease.Owner as string, (counts.get(lease.Owner as string) ?? 0) + 1);
  }
  if (!counts.has(owner)) counts.set(owner, 0);
  const mine = counts.get(owner) ?? 0;
  const plan = { take: [] as LeaseDocument[], stealFrom: undefined, mine, owners: counts.size };
  if (byToken.size === 0) return { ...plan, target: 0, available: 0 };
  const target = targetLeaseCount(byToken.size, counts.size, input.minLeases, input.maxLeases);
  const needed = target - mine;
  const summary = { ...plan, target, available: available.length };
  if (needed <= 0) return summary;
  if (available.length > 0) return { ...summary, take: available.slice(0, needed) };
  const victim = mostLoaded(counts);
  if (!victim || victim[1] <= target - (needed > 1 ? 1 : 0)) return summary;
  const [from] = victim;
  const stolen = [...byToken.values()].find((lease) => lease.Owner === from);
  return stolen ? { ...summary, take: [stolen], stealFrom: from } : summary;
}
