/**
 * The settings `npm start` serves, computed without starting anything: the stack's well-known ports and keys. The
 * operations commands (`npx cosmos-sync deadletters|backfill|verify`) use them when given no settings, so they work
 * against a running `npm start` with no flags. A test checks they equal what a started stack reports.
 */
import { DEFAULT_PORTS } from '../local-stack/cli.js';
import { AZURITE_ACCOUNT_KEY, AZURITE_ACCOUNT_NAME } from '../local-stack/azurite.js';
import { LOCAL_COSMOS_KEY } from '../local-stack/cosmos/local-cosmos.js';
import type { LocalStackSettings } from '../local-stack/stack.js';
import { sampleAppSettings } from './sample-app.js';

export type StackPorts = { -readonly [K in keyof typeof DEFAULT_PORTS]: number };

export function localStackSettingsAt(ports: StackPorts = DEFAULT_PORTS, host = '127.0.0.1'): LocalStackSettings {
  const cosmosEndpoint = `http://${host}:${ports.cosmos}/`;
  const base = `http://${host}`;
  return {
    COSMOS_ENDPOINT: cosmosEndpoint,
    COSMOS_KEY: LOCAL_COSMOS_KEY,
    COSMOS_CONNECTION_STRING: `AccountEndpoint=${cosmosEndpoint};AccountKey=${LOCAL_COSMOS_KEY};`,
    SERVICEBUS_CONNECTION_STRING: `Endpoint=sb://${host}:${ports.serviceBus};SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true;`,
    SERVICEBUS_ADMIN_ENDPOINT: `${base}:${ports.serviceBusAdmin}`,
    STORAGE_CONNECTION_STRING:
      `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT_NAME};AccountKey=${AZURITE_ACCOUNT_KEY};` +
      `BlobEndpoint=${base}:${ports.blob}/${AZURITE_ACCOUNT_NAME};QueueEndpoint=${base}:${ports.queue}/${AZURITE_ACCOUNT_NAME};` +
      `TableEndpoint=${base}:${ports.table}/${AZURITE_ACCOUNT_NAME};`,
  };
}

/** The app settings of `npm start` (its sample source and target on the default ports). */
export function localDefaultAppSettings(): Record<string, string> {
  return sampleAppSettings(localStackSettingsAt());
}
