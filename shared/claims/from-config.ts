/** The claim container of the app's configuration (AzureWebJobsStorage, COSMOS_SYNC_CLAIM_CONTAINER), one per config. */
import type { ContainerClient } from '@azure/storage-blob';
import { blobContainerFor } from '../clients/blobs.js';
import { STORAGE_CONNECTION, type AppConfig } from '../config/load.js';
import { BlobClaimStore } from './store.js';

const stores = new WeakMap<AppConfig, BlobClaimStore>();

export function claimContainerFor(config: AppConfig): ContainerClient {
  const storage = config.storageConnections.get(STORAGE_CONNECTION);
  if (!storage) throw new Error(`${STORAGE_CONNECTION} was not resolved at start-up`);
  return blobContainerFor(storage, config.settings.COSMOS_SYNC_CLAIM_CONTAINER);
}

/** Reused by every invocation: it remembers that its container exists. */
export function claimStoreFor(config: AppConfig): BlobClaimStore {
  let store = stores.get(config);
  if (!store) {
    store = new BlobClaimStore(claimContainerFor(config));
    stores.set(config, store);
  }
  return store;
}
