/**
 * How a container's partition key ranges are laid out: N equal ranges at creation (what the service does for a
 * container whose throughput needs N physical partitions), and splits at runtime. A split retires the parent range id
 * for good (requests naming it get 410/1002 from then on) and creates two children with new ids, higher than any id
 * the container has used, whose `parents` end with the parent's id; both continue the parent's LSN sequence.
 */
import type { ContainerDefinition } from './base-server.js';
import type { ContainerState } from './container-state.js';
import { evenBoundaries, MAX_EPK, midpointEpk, MIN_EPK } from './epk-hash.js';
import { badRequest, CosmosHttpError } from './errors.js';
import { PhysicalPartition } from './physical-partition.js';

/** More ranges than any test needs; keeps a typo from allocating a million partitions. */
export const MAX_PHYSICAL_PARTITIONS = 1024;

export function assertPartitionCount(count: number): void {
  if (!Number.isInteger(count) || count < 1 || count > MAX_PHYSICAL_PARTITIONS) {
    throw badRequest(`physicalPartitions must be an integer from 1 to ${MAX_PHYSICAL_PARTITIONS}, got ${count}`);
  }
}

/** Ranges "0".."N-1" covering the EPK space in equal parts, each starting at LSN 0. */
export function initialPartitions(definition: ContainerDefinition, count: number): PhysicalPartition[] {
  assertPartitionCount(count);
  const bounds = [MIN_EPK, ...evenBoundaries(definition, count), MAX_EPK];
  return bounds
    .slice(0, -1)
    .map(
      (minInclusive, index) =>
        new PhysicalPartition(String(index), minInclusive, bounds[index + 1] ?? MAX_EPK, [], 0, []),
    );
}

export interface SplitOptions {
  /** The EPK where the upper child starts; default: the median EPK of the range's documents, else its midpoint. */
  at?: string | undefined;
}

export interface SplitResult {
  parentId: string;
  children: { id: string; minInclusive: string; maxExclusive: string; startLsn: number }[];
}

export function splitPartition(state: ContainerState, rangeId: string, options: SplitOptions = {}): SplitResult {
  const parent = state.partitionById(rangeId);
  if (!parent) throw new CosmosHttpError(404, `Partition key range ${rangeId} does not exist (or was already split).`);
  if (state.partitions.length >= MAX_PHYSICAL_PARTITIONS) {
    throw badRequest(`A container here holds at most ${MAX_PHYSICAL_PARTITIONS} partition key ranges.`);
  }
  const at = options.at ?? defaultSplitPoint(parent);
  if (!(at > parent.minInclusive && at < parent.maxExclusive)) {
    throw badRequest(
      `Split point '${at}' is not inside range ${rangeId} [${parent.minInclusive}, ${parent.maxExclusive}).`,
    );
  }
  const firstId = nextRangeId(state);
  const lower = parent.child(String(firstId), { minInclusive: parent.minInclusive, maxExclusive: at });
  const upper = parent.child(String(firstId + 1), { minInclusive: at, maxExclusive: parent.maxExclusive });
  state.replacePartition(parent, [lower, upper]);
  return {
    parentId: parent.id,
    children: [lower, upper].map((child) => ({
      id: child.id,
      minInclusive: child.minInclusive,
      maxExclusive: child.maxExclusive,
      startLsn: child.currentLsn,
    })),
  };
}

/** Cutting at the median document EPK leaves data on both sides, which is what a test of a split wants to see. */
function defaultSplitPoint(parent: PhysicalPartition): string {
  const epks = parent.distinctEpks();
  const median = epks[Math.floor(epks.length / 2)];
  return epks.length >= 2 && median !== undefined ? median : midpointEpk(parent.minInclusive, parent.maxExclusive);
}

/** Every id ever issued is either a live range's or one of its ancestors', so this never reuses an id. */
function nextRangeId(state: ContainerState): number {
  const used = state.partitions.flatMap((partition) => [partition.id, ...partition.parents]).map(Number);
  return Math.max(...used) + 1;
}
