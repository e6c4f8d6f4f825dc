export {
  LOCAL_COSMOS_KEY,
  localCosmosClientOptions,
  startLocalCosmos,
  type LocalCosmos,
  type LocalCosmosOptions,
} from './local-cosmos.js';
