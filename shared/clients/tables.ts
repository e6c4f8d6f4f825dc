/** Azure Table clients from resolved storage connections, one per (connection, table), reused across invocations. */
import { TableClient } from '@azure/data-tables';
import { storageEndpointOf, type ResolvedStorageConnection } from '../config/storage.js';
import { credentialFor } from './credential.js';

const clients = new Map<string, TableClient>();
const ensured = new WeakMap<TableClient, Promise<void>>();

/**
 * Keyed by what the client connects to, not only the setting name, so two local stacks (tests) that use the same
 * setting name with different endpoints never share a client.
 */
function cacheKey(connection: ResolvedStorageConnection, tableName: string): string {
  const target =
    connection.kind === 'connectionString'
      ? connection.connectionString
      : `${connection.endpoints.table ?? ''}|${connection.clientId ?? ''}`;
  return JSON.stringify([connection.kind, target, tableName]);
}

function create(connection: ResolvedStorageConnection, tableName: string): TableClient {
  if (connection.kind === 'identity') {
    // The table endpoint from __tableServiceUri or __accountName, never derived from another service's URI.
    return new TableClient(storageEndpointOf(connection, 'table'), tableName, credentialFor(connection.clientId));
  }
  const client = TableClient.fromConnectionString(connection.connectionString, tableName);
  // Plain http is Azurite (including `UseDevelopmentStorage=true`); the SDK refuses it unless told, and it is only
  // allowed when the connection string itself asks for http, never for an https account.
  return client.url.startsWith('http:')
    ? TableClient.fromConnectionString(connection.connectionString, tableName, { allowInsecureConnection: true })
    : client;
}

export function tableClientFor(connection: ResolvedStorageConnection, tableName: string): TableClient {
  const key = cacheKey(connection, tableName);
  let client = clients.get(key);
  if (!client) {
    client = create(connection, tableName);
    clients.set(key, client);
  }
  return client;
}

/**
 * Creates the table once per client and process (creating an existing table is a no-op in the SDK). A failure is
 * forgotten so the next call tries again.
 */
export function ensureTable(client: TableClient): Promise<void> {
  let creating = ensured.get(client);
  if (!creating) {
    creating = client.createTable().catch((error: unknown) => {
      ensured.delete(client);
      throw error;
    });
    ensured.set(client, creating);
  }
  return creating;
}

/** Forgets that a table was created, after the service said it is gone. */
export function forgetTable(client: TableClient): void {
  ensured.delete(client);
}
