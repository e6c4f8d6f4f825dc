/**
 * The balancing loop of the Change Feed Processor (azure-cosmos-dotnet-v3, `Microsoft.Azure.Cosmos/src/
 * ChangeFeedProcessor/FeedManagement/PartitionLoadBalancerCore.cs`): list every lease, let the equal-share rule pick
 * (lease-balancing.ts), acquire what it picked; then wait leaseAcquireInterval. A lease that cannot be acquired is
 * logged and the round goes on with the next, as the processor does.
 */
import { sleep } from '../lifecycle.js';
import type { HostLogger } from '../log.js';
import { selectLeasesToTake } from './lease-balancing.js';
import type { LeaseStore } from './lease-store.js';
import type { PartitionController } from './partition-controller.js';

export interface BalancerDeps {
  store: LeaseStore;
  controller: PartitionController;
  expirationMs: number;
  log: HostLogger;
}

/**
 * One round. `atStart`: the host is starting, so first pages are read before it reports it started, and failures
 * propagate (the start fails, as before leases were balanced); later rounds log them and carry on.
 */
export async function balanceOnce(deps: BalancerDeps, atStart: boolean): Promise<void> {
  const { store, controller, log } = deps;
  const leases = await store.list();
  const plan = selectLeasesToTake({
    leases,
    owner: store.owner,
    now: Date.now(),
    expirationMs: deps.expirationMs,
  });
  if (plan.take.length > 0) {
    log.debug('cosmos.balance.plan', {
      leases: leases.length,
      owners: plan.owners,
      available: plan.available,
      target: plan.target,
      mine: plan.mine,
      take: plan.take.map((lease) => lease.LeaseToken),
      stealFrom: plan.stealFrom,
    });
  }
  for (const lease of plan.take) {
    try {
      await controller.add(lease, { prime: atStart, stolenFrom: plan.stealFrom });
    } catch (error) {
      if (atStart) throw error;
      log.error('cosmos.lease.acquire_failed', { leaseToken: lease.LeaseToken, error });
    }
  }
}

export async function balanceLoop(deps: BalancerDeps, intervalMs: number, signal: AbortSignal): Promise<void> {
  while (await sleep(intervalMs, signal)) {
    try {
      await balanceOnce(deps, false);
    } catch (error) {
      deps.log.error('cosmos.lease.acquire_failed', { error });
    }
  }
}
