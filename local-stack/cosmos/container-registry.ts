/**
 * Finds the change history for a container. Histories are keyed by the container's _rid, which the base server never
 * reuses, so deleting a container and creating one with the same name starts a fresh history, as in Azure. A history
 * is created the first time anything touches its container, with the number of physical partitions the server was
 * configured with for it (one unless said otherwise).
 */
import { findContainer, type BaseAccount, type BaseContainer } from './base-server.js';
import { ContainerState } from './container-state.js';
import { effectivePartitionKey } from './epk-hash.js';
import { initialPartitions } from './partition-layout.js';

export interface ResolvedContainer {
  container: BaseContainer;
  state: ContainerState;
}

/** How many physical partitions a new container gets: one number for all, or decided per container. */
export type PhysicalPartitionsOption = number | ((container: { databaseId: string; containerId: string }) => number);

export class ContainerRegistry {
  private readonly states = new Map<string, ContainerState>();

  constructor(
    private readonly account: BaseAccount,
    private readonly physicalPartitions: PhysicalPartitionsOption = 1,
  ) {}

  resolve(databaseId: string, containerId: string): ResolvedContainer | undefined {
    const container = findContainer(this.account, databaseId, containerId);
    if (!container) return undefined;
    const { definition } = container;
    let state = this.states.get(definition._rid);
    if (!state) {
      const count =
        typeof this.physicalPartitions === 'number'
          ? this.physicalPartitions
          : this.physicalPartitions({ databaseId, containerId });
      state = new ContainerState(
        databaseId,
        containerId,
        definition._rid,
        (partitionKey) => effectivePartitionKey(definition, partitionKey),
        initialPartitions(definition, count),
      );
      this.states.set(definition._rid, state);
    }
    return { container, state };
  }

  /** Every container that has a history, dropping histories whose container has been deleted. */
  live(): ResolvedContainer[] {
    const live: ResolvedContainer[] = [];
    for (const [rid, state] of this.states) {
      const container = findContainer(this.account, state.databaseId, state.containerId);
      if (container && container.definition._rid === rid) live.push({ container, state });
      else this.states.delete(rid);
    }
    return live;
  }
}
