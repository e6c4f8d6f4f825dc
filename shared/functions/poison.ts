/** The process-wide poison store, and the counts the status report shows, built from the configuration. */
import { blobContainerFor } from '../clients/blobs.js';
import { tableClientFor } from '../clients/tables.js';
import { STORAGE_CONNECTION, type AppConfig } from '../config/load.js';
import { countPoison } from '../poison/count.js';
import { StoragePoisonStore, type PoisonStore } from '../poison/store.js';

let store: PoisonStore | undefined;

function storageOf(config: AppConfig) {
  const storage = config.storageConnections.get(STORAGE_CONNECTION);
  if (!storage) throw new Error(`${STORAGE_CONNECTION} was not resolved at start-up`);
  return storage;
}

const poisonTableOf = (config: AppConfig) =>
  tableClientFor(storageOf(config), config.settings.COSMOS_SYNC_POISON_TABLE);

/** Rows in the poison table; bodies beside the quarantined documents, under `poison-messages/`. */
export function poisonStoreFor(config: AppConfig): PoisonStore {
  store ??= new StoragePoisonStore(
    poisonTableOf(config),
    blobContainerFor(storageOf(config), config.settings.COSMOS_SYNC_QUARANTINE_CONTAINER),
  );
  return store;
}

/** Poison record counts by target name, for `measure`. */
export function poisonCounter(config: AppConfig) {
  return async (targets: readonly { name: string }[]): Promise<Map<string, number>> => {
    const table = poisonTableOf(config);
    const counts = await Promise.all(
      targets.map(async (target) => [target.name, await countPoison(table, target.name)] as const),
    );
    return new Map(counts);
  };
}
