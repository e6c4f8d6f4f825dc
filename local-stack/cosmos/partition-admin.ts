/**
 * Splitting a partition key range on purpose, for tests and local development: the programmatic form behind
 * `LocalCosmos.splitPartitionKeyRange` and the HTTP route in admin-routes.ts. A split is atomic with respect to
 * writes (each write is applied synchronously), so writers can keep going while it happens.
 */
import type { ContainerRegistry } from './container-registry.js';
import { notFoundResource } from './errors.js';
import { splitPartition, type SplitOptions, type SplitResult } from './partition-layout.js';

export interface SplitRequest extends SplitOptions {
  databaseId: string;
  containerId: string;
  rangeId: string;
}

export function splitContainerRange(registry: ContainerRegistry, request: SplitRequest): SplitResult {
  const resolved = registry.resolve(request.databaseId, request.containerId);
  if (!resolved) throw notFoundResource();
  return splitPartition(resolved.state, request.rangeId, { at: request.at });
}
