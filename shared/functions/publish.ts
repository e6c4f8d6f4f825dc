/**
 * The source function: trigger options and handler for one configured source. `functions/publish-changes.ts` only
 * registers what this builds, one function per source.
 */
import { CosmosDBv4ChangeFeedMode, type CosmosDBFunctionOptions, type InvocationContext } from '@azure/functions';
import { claimStoreFor } from '../claims/from-config.js';
import { blobContainerFor } from '../clients/blobs.js';
import { topicSenderFor } from '../clients/servicebus.js';
import { SERVICE_BUS_CONNECTION, STORAGE_CONNECTION, type AppConfig } from '../config/load.js';
import type { SourceConfig } from '../config/schema.js';
import { leaseLocationOf } from '../leases/location.js';
import { createLogger } from '../logging.js';
import { shutdownSignal } from '../lifecycle/shutdown.js';
import { publishChanges, type PublishSource } from '../publish/publisher.js';
import { BlobQuarantineStore } from '../publish/quarantine.js';

/**
 * Retries forever with backoff: a failed publish must never let the trigger move its lease past the batch
 * (without a retry policy the Functions Cosmos DB trigger skips a failed batch).
 */
export const PUBLISH_RETRY = {
  strategy: 'exponentialBackoff',
  maxRetryCount: -1,
  minimumInterval: 1_000,
  maximumInterval: 60_000,
} as const;

export function accountOf(config: AppConfig, source: SourceConfig): string {
  const connection = config.connections.get(source.connection);
  const endpoint =
    connection?.kind === 'identity'
      ? connection.endpoint
      : /AccountEndpoint=([^;]+)/i.exec(connection?.connectionString ?? '')?.[1];
  try {
    return endpoint ? new URL(endpoint).host : source.connection;
  } catch {
    // Not a URL (cannot happen for a working account); the connection name still identifies the account.
    return source.connection;
  }
}

export function publishSourceOf(config: AppConfig, source: SourceConfig): PublishSource {
  return {
    name: source.name,
    account: accountOf(config, source),
    database: source.database,
    container: source.container,
    partitionKeyPaths: source.partitionKeyPaths,
    softDelete: source.softDelete === false ? undefined : source.softDelete,
    changeFeedMode: source.changeFeedMode,
    typeField: source.typeField,
  };
}

function required<T>(value: T | undefined, what: string): T {
  if (value === undefined) throw new Error(`${what} was not resolved at start-up`);
  return value;
}

export function createPublishHandler(config: AppConfig, source: SourceConfig) {
  const publishSource = publishSourceOf(config, source);
  const serviceBus = required(config.connections.get(SERVICE_BUS_CONNECTION), 'the ServiceBus connection');
  const storage = required(config.storageConnections.get(STORAGE_CONNECTION), 'the AzureWebJobsStorage connection');
  const quarantine = new BlobQuarantineStore(
    blobContainerFor(storage, config.settings.COSMOS_SYNC_QUARANTINE_CONTAINER),
  );
  const claims = { store: claimStoreFor(config), maxEventBytes: config.settings.COSMOS_SYNC_CLAIM_MAX_BYTES };
  return async (items: unknown[], context: InvocationContext): Promise<void> => {
    const logger = createLogger(context, config.settings.COSMOS_SYNC_LOG_LEVEL, {
      function: context.functionName,
      invocationId: context.invocationId,
    });
    await publishChanges(
      {
        sender: topicSenderFor(serviceBus, config.settings.COSMOS_SYNC_TOPIC),
        quarantine,
        claims,
        sessionBuckets: config.settings.COSMOS_SYNC_SESSION_BUCKETS,
        logger,
        signal: shutdownSignal(),
      },
      publishSource,
      items,
    );
  };
}

/** Everything `app.cosmosDB` needs for one source. */
export function publishFunctionOptions(config: AppConfig, source: SourceConfig): CosmosDBFunctionOptions {
  const leases = leaseLocationOf(source);
  const common = {
    connection: source.connection,
    databaseName: source.database,
    containerName: source.container,
    ...(source.leaseConnection ? { leaseConnection: leases.leaseConnection } : {}),
    leaseDatabaseName: leases.leaseDatabase,
    leaseContainerName: leases.leaseContainer,
    leaseContainerPrefix: leases.leasePrefix,
    // Resolved by parseConfig; by default false for an identity, which cannot create containers.
    createLeaseContainerIfNotExists: source.createLeaseContainer,
    maxItemsPerInvocation: source.maxItemsPerInvocation,
    feedPollDelay: source.feedPollDelayMs,
    retry: PUBLISH_RETRY,
    handler: createPublishHandler(config, source),
  };
  if (source.changeFeedMode === 'AllVersionsAndDeletes') {
    return { ...common, changeFeedMode: CosmosDBv4ChangeFeedMode.AllVersionsAndDeletes };
  }
  return {
    ...common,
    ...(source.startFrom === 'beginning' ? { startFromBeginning: true } : {}),
    ...(source.startFrom !== 'beginning' && source.startFrom !== 'now' ? { startFromTime: source.startFrom } : {}),
  };
}
