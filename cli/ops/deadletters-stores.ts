/**
 * The two places a target's dead letters live, opened from the app's settings, and the one listing every
 * subcommand starts from: the dead-letter queue of its subscription, then its poison records, filtered.
 */
import type { ServiceBusClient } from '@azure/service-bus';
import { createBlobServiceClient } from '../../shared/clients/blobs.js';
import { newServiceBusClient } from '../../shared/clients/servicebus.js';
import { tableClientFor } from '../../shared/clients/tables.js';
import { SERVICE_BUS_CONNECTION } from '../../shared/config/load.js';
import type { TargetConfig } from '../../shared/config/schema.js';
import { PoisonReader } from '../../shared/poison/reader.js';
import type { OpsContext } from './context.js';
import { DeadLetterQueue } from './deadletters-dlq.js';
import { storageFailure, type ServiceBusPlace } from './deadletters-errors.js';
import { selects, type DeadLetterFilter } from './deadletters-filter.js';
import { fromDeadLetterQueue, fromPoisonRecord, type DeadLetter } from './deadletters-item.js';

export interface DeadLetterStores {
  target: TargetConfig;
  place: ServiceBusPlace;
  /** For replays: they go to the topic, like every event. */
  serviceBus: ServiceBusClient;
  dlq: DeadLetterQueue;
  poison: PoisonReader;
  /** Poison table and quarantine container, for messages. */
  poisonPlace: string;
  storageEndpoint: string;
  close(): Promise<void>;
}

/** `sb://host:port` of a connection string, or the namespace of an identity-based connection. */
function endpointOf(connection: { kind: 'connectionString'; connectionString: string } | { endpoint: string }) {
  if ('endpoint' in connection) return connection.endpoint;
  return /Endpoint=([^;]+)/i.exec(connection.connectionString)?.[1] ?? '(the ServiceBus connection string)';
}

export function openStores(context: OpsContext, target: TargetConfig): DeadLetterStores {
  const connection = context.config.connections.get(SERVICE_BUS_CONNECTION);
  if (!connection) throw new Error(`connection ${SERVICE_BUS_CONNECTION} was not resolved`);
  // A client of its own rather than the process-wide one (shared/clients/servicebus.ts): closing it must not close
  // the app's sender when the command runs inside a process that also hosts the functions (tests).
  const serviceBus = newServiceBusClient(connection, { retryOptions: { maxRetries: 2 } });
  const settings = context.config.settings;
  const place = {
    endpoint: endpointOf(connection),
    topic: settings.COSMOS_SYNC_TOPIC,
    subscription: target.subscription,
  };
  const storage = context.storage();
  const table = tableClientFor(storage, settings.COSMOS_SYNC_POISON_TABLE);
  const container = createBlobServiceClient(storage).getContainerClient(settings.COSMOS_SYNC_QUARANTINE_CONTAINER);
  return {
    target,
    place,
    serviceBus,
    dlq: new DeadLetterQueue(serviceBus, place),
    poison: new PoisonReader(table, container),
    poisonPlace: `table ${table.tableName}, bodies in container ${container.containerName}`,
    storageEndpoint: new URL(table.url).origin,
    close: () => serviceBus.close(),
  };
}

export interface Listing {
  items: DeadLetter[];
  /** More matched than `limit`. */
  truncated: boolean;
  /** The signal was aborted before the listing finished. */
  interrupted: boolean;
}

/** Matching dead letters, queue first (in sequence order), then poison records (in row key order), up to `limit`. */
export async function listDeadLetters(
  stores: DeadLetterStores,
  filter: DeadLetterFilter,
  options: { limit?: number | undefined; signal?: AbortSignal | undefined; now: Date },
): Promise<Listing> {
  const limit = options.limit ?? Infinity;
  const items: DeadLetter[] = [];
  let truncated = false;
  const take = (item: DeadLetter): boolean => {
    if (!selects(filter, item, options.now)) return true;
    if (items.length >= limit) {
      truncated = true;
      return false;
    }
    items.push(item);
    return true;
  };
  if (filter.kind !== 'poison') {
    await stores.dlq.peek((message) => take(fromDeadLetterQueue(message)), options.signal);
  }
  if (filter.kind !== 'dlq' && !truncated && !options.signal?.aborted) {
    try {
      for await (const record of stores.poison.list(stores.target.name)) {
        if (options.signal?.aborted || !take(fromPoisonRecord(record))) break;
      }
    } catch (error) {
      throw storageFailure(error, stores.storageEndpoint, `list the poison records of target ${stores.target.name}`);
    }
  }
  return { items, truncated, interrupted: options.signal?.aborted === true };
}
