/**
 * Finds the change history for a container. Histories are keyed by the container's _rid, which the base server never
 * reuses, so deleting a container and creating one with the same name starts a fresh history, as in Azure.
 */
import { findContainer, type BaseAccount, type BaseContainer } from './base-server.js';
import { ContainerState } from './container-state.js';

export interface ResolvedContainer {
  container: BaseContainer;
  state: ContainerState;
}

export class ContainerRegistry {
  private readonly states = new Map<string, ContainerState>();

  constructor(private readonly account: BaseAccount) {}

  resolve(databaseId: string, containerId: string): ResolvedContainer | undefined {
    const container = findContainer(this.account, databaseId, containerId);
    if (!container) return undefined;
    const rid = container.definition._rid;
    let state = this.states.get(rid);
    if (!state) {
      state = new ContainerState(databaseId, containerId, rid);
      this.states.set(rid, state);
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
