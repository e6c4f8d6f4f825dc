/**
 * The whole local Azure stack in one call: local Cosmos DB (with a real change feed), the Service Bus-compatible broker
 * with its management endpoint, and Azurite. Tests use it on random ports so files can run in parallel; the
 * `npm run stack` launcher uses it on fixed, well-known ports.
 */
import { startAzurite, type LocalAzurite } from './azurite.js';
import { startLocalCosmos, type LocalCosmos, type PhysicalPartitionsOption } from './cosmos/index.js';
import { startAdminEndpoint, type AdminEndpoint } from './servicebus/admin/index.js';
import { startServiceBusBroker, type LocalServiceBus } from './servicebus/index.js';

export interface LocalStackOptions {
  /** Loopback address every part listens on. */
  host?: string;
  /** 0 (the default everywhere) picks a free port. */
  cosmosPort?: number;
  serviceBusPort?: number;
  serviceBusAdminPort?: number;
  blobPort?: number;
  queuePort?: number;
  tablePort?: number;
  /** Path to an entities file in the official Service Bus emulator's Config.json format, or the parsed object. */
  serviceBusConfig?: string | unknown;
  /** Folder for Azurite's data; in memory when absent. */
  storageLocation?: string;
  /** Messages larger than this are refused by the broker, as by Service Bus Standard (256 KB). */
  maxMessageSizeBytes?: number;
  /**
   * Partition key ranges of each new Cosmos DB container (1 to 1024, or a function of the database and container ids);
   * default 1. See "Cosmos DB with several partition key ranges" in docs/local-stack.md.
   */
  cosmosPhysicalPartitions?: PhysicalPartitionsOption;
}

/** The settings the stack serves, named as the launcher prints them. */
export interface LocalStackSettings {
  COSMOS_ENDPOINT: string;
  COSMOS_KEY: string;
  /** The same account as a connection string, the form the Functions Cosmos DB trigger reads locally. */
  COSMOS_CONNECTION_STRING: string;
  SERVICEBUS_CONNECTION_STRING: string;
  /** Where the broker answers ServiceBusAdministrationClient (plain http; see docs/local-stack.md). */
  SERVICEBUS_ADMIN_ENDPOINT: string;
  STORAGE_CONNECTION_STRING: string;
}

export interface LocalStack {
  settings: LocalStackSettings;
  cosmos: LocalCosmos;
  serviceBus: LocalServiceBus;
  serviceBusAdmin: AdminEndpoint;
  azurite: LocalAzurite;
  /** Stops every part; safe to call more than once. */
  close(): Promise<void>;
}

/** A part that started, kept so a failure later in start-up can stop it again. */
interface Closable {
  close(): Promise<void>;
}

export async function startLocalStack(options: LocalStackOptions = {}): Promise<LocalStack> {
  const host = options.host ?? '127.0.0.1';
  // allSettled, not all: when one part fails the others must finish starting before they can be stopped again,
  // otherwise a port would stay bound by a part nobody holds any more.
  const [cosmos, serviceBus, azurite] = await Promise.allSettled([
    startLocalCosmos({
      host,
      port: options.cosmosPort ?? 0,
      ...(options.cosmosPhysicalPartitions !== undefined
        ? { physicalPartitions: options.cosmosPhysicalPartitions }
        : {}),
    }),
    startServiceBusBroker({
      host,
      port: options.serviceBusPort ?? 0,
      ...(options.serviceBusConfig !== undefined ? { config: options.serviceBusConfig } : {}),
      ...(options.maxMessageSizeBytes !== undefined ? { maxMessageSizeBytes: options.maxMessageSizeBytes } : {}),
    }),
    startAzurite({
      host,
      blobPort: options.blobPort ?? 0,
      queuePort: options.queuePort ?? 0,
      tablePort: options.tablePort ?? 0,
      silent: true,
      ...(options.storageLocation !== undefined ? { location: options.storageLocation } : {}),
    }),
  ]);
  const started = [cosmos, serviceBus, azurite].flatMap((part) => (part.status === 'fulfilled' ? [part.value] : []));
  if (cosmos.status === 'rejected' || serviceBus.status === 'rejected' || azurite.status === 'rejected') {
    await closeAfterFailedStart(started);
    const failed = [cosmos, serviceBus, azurite].flatMap((part) => (part.status === 'rejected' ? [part.reason] : []));
    throw failed.length === 1 ? failed[0] : new AggregateError(failed, 'local stack: several parts failed to start');
  }
  let serviceBusAdmin: AdminEndpoint;
  try {
    serviceBusAdmin = await startAdminEndpoint({
      host,
      port: options.serviceBusAdminPort ?? 0,
      counts: serviceBus.value.counts,
    });
  } catch (error) {
    await closeAfterFailedStart(started);
    throw error;
  }
  const parts: Closable[] = [...started, serviceBusAdmin];
  let closing: Promise<void> | undefined;
  return {
    settings: {
      COSMOS_ENDPOINT: cosmos.value.endpoint,
      COSMOS_KEY: cosmos.value.key,
      COSMOS_CONNECTION_STRING: `AccountEndpoint=${cosmos.value.endpoint};AccountKey=${cosmos.value.key};`,
      SERVICEBUS_CONNECTION_STRING: serviceBus.value.connectionString,
      SERVICEBUS_ADMIN_ENDPOINT: serviceBusAdmin.endpoint,
      STORAGE_CONNECTION_STRING: azurite.value.connectionString,
    },
    cosmos: cosmos.value,
    serviceBus: serviceBus.value,
    serviceBusAdmin,
    azurite: azurite.value,
    close: () => (closing ??= closeAll(parts)),
  };
}

/** After a failed start the start error is what the user must see; a stop failure is added to stderr, not lost. */
async function closeAfterFailedStart(parts: Closable[]): Promise<void> {
  try {
    await closeAll(parts);
  } catch (error) {
    console.error('local stack: could not stop a part after a failed start:', error);
  }
}

/** Closes in reverse start order and reports every failure, not only the first. */
async function closeAll(parts: Closable[]): Promise<void> {
  const results = await Promise.allSettled([...parts].reverse().map((part) => part.close()));
  const failures = results.filter((result): result is PromiseRejectedResult => result.status === 'rejected');
  if (failures.length > 0) {
    throw new AggregateError(
      failures.map((failure) => failure.reason),
      `local stack: ${failures.length} part(s) failed to stop`,
    );
  }
}
