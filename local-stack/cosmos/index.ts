export {
  LOCAL_COSMOS_KEY,
  localCosmosClientOptions,
  startLocalCosmos,
  type LocalCosmos,
  type LocalCosmosOptions,
} from './local-cosmos.js';
export type { PhysicalPartitionsOption } from './container-registry.js';
export { CosmosHttpError, PARTITION_KEY_RANGE_GONE } from './errors.js';
export { effectivePartitionKey } from './epk-hash.js';
export type { SplitRequest } from './partition-admin.js';
export type { SplitOptions, SplitResult } from './partition-layout.js';
