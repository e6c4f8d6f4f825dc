/**
 * `<NAME>__clientId` reaches the credential of every identity-based client: Cosmos DB, Service Bus (messaging and
 * administration), tables, blobs (shared and the Blob target's own) and the metrics exporter. The seam is the one
 * function they all get credentials from, `credentialFor`, wrapped in a spy that still returns the real credential.
 * Building these clients makes no network call; nothing here signs in.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { credentialFor } from '../../../shared/clients/credential.js';
import { blobContainerFor } from '../../../shared/clients/blobs.js';
import { cosmosClientFor } from '../../../shared/clients/cosmos.js';
import { closeServiceBusClients, serviceBusClientFor } from '../../../shared/clients/servicebus.js';
import { serviceBusAdminClientFor } from '../../../shared/clients/servicebus-admin.js';
import { tableClientFor } from '../../../shared/clients/tables.js';
import { parseConfig } from '../../../shared/config/load.js';
import { blobContainerClient } from '../../../shared/targets/blob/client.js';
import { exporterOptionsOf } from '../../../shared/telemetry/provider.js';

vi.mock('../../../shared/clients/credential.js', async (importOriginal) => {
  const actual = await importOriginal<typeof import('../../../shared/clients/credential.js')>();
  return { credentialFor: vi.fn(actual.credentialFor) };
});

const spy = vi.mocked(credentialFor);
const ids = {
  cosmos: '00000000-0000-4000-8000-000000000001',
  serviceBus: '00000000-0000-4000-8000-000000000002',
  storage: '00000000-0000-4000-8000-000000000003',
  lake: '00000000-0000-4000-8000-000000000004',
  telemetry: '00000000-0000-4000-8000-000000000005',
};

/** Azure settings for every connection, each with its own user-assigned identity, parsed as at start-up. */
const config = parseConfig({
  CosmosSource__accountEndpoint: 'https://source.documents.azure.com:443/',
  CosmosSource__credential: 'managedidentity',
  CosmosSource__clientId: ids.cosmos,
  ServiceBus__fullyQualifiedNamespace: 'sync.servicebus.windows.net',
  ServiceBus__clientId: ids.serviceBus,
  AzureWebJobsStorage__accountName: 'syncstate',
  AzureWebJobsStorage__clientId: ids.storage,
  Lake__blobServiceUri: 'https://lake.blob.core.windows.net',
  Lake__clientId: ids.lake,
  APPLICATIONINSIGHTS_CONNECTION_STRING:
    'InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://x/',
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: `Authorization=AAD;ClientId=${ids.telemetry}`,
  COSMOS_SYNC_SOURCES: '[{"name":"orders","database":"shop","container":"orders","partitionKeyPaths":["/customerId"]}]',
  COSMOS_SYNC_TARGETS:
    '[{"name":"lake","type":"blob","subscription":"b","container":"orders-lake","connection":"Lake"}]',
});

function connection(name: string) {
  const resolved = config.connections.get(name);
  if (!resolved) throw new Error(`${name} not resolved`);
  return resolved;
}

function storage(name: string) {
  const resolved = config.storageConnections.get(name);
  if (!resolved) throw new Error(`${name} not resolved`);
  return resolved;
}

beforeEach(() => spy.mockClear());

describe('the client id of an identity-based connection reaches its credential', () => {
  it('Cosmos DB', () => {
    cosmosClientFor(connection('CosmosSource')).dispose();
    expect(spy.mock.calls).toEqual([[ids.cosmos]]);
  });

  it('Service Bus messaging and administration', async () => {
    serviceBusClientFor(connection('ServiceBus'));
    serviceBusAdminClientFor(connection('ServiceBus'));
    expect(spy.mock.calls).toEqual([[ids.serviceBus], [ids.serviceBus]]);
    await closeServiceBusClients();
  });

  it('tables, on the table endpoint of the account', () => {
    const table = tableClientFor(storage('AzureWebJobsStorage'), 'cosmossyncstate');
    expect(spy.mock.calls).toEqual([[ids.storage]]);
    expect(table.url).toBe('https://syncstate.table.core.windows.net');
  });

  it('blobs, shared and the Blob target, each on its own blob endpoint with its own identity', () => {
    const quarantine = blobContainerFor(storage('AzureWebJobsStorage'), 'cosmos-sync-quarantine');
    const lake = blobContainerClient(storage('Lake'), 'orders-lake', { attempts: 1, timeoutMs: 1_000 });
    expect(spy.mock.calls).toEqual([[ids.storage], [ids.lake]]);
    expect(quarantine.url).toBe('https://syncstate.blob.core.windows.net/cosmos-sync-quarantine');
    expect(lake.url).toBe('https://lake.blob.core.windows.net/orders-lake');
    // The client signs with exactly the credential credentialFor returned for that client id.
    expect(lake.credential).toBe(spy.mock.results[1]?.value);
  });

  it('the metrics exporter', () => {
    const { settings } = config;
    const options = exporterOptionsOf(settings.APPLICATIONINSIGHTS_CONNECTION_STRING ?? '', {
      authentication: settings.APPLICATIONINSIGHTS_AUTHENTICATION_STRING,
    });
    expect(spy.mock.calls).toEqual([[ids.telemetry]]);
    expect(options.credential).toBe(spy.mock.results[0]?.value);
  });
});
