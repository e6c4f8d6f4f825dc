/** Cosmos DB clients from resolved connections, one per connection, reused across invocations. */
import { CosmosClient } from '@azure/cosmos';
import type { ResolvedConnection } from '../config/connections.js';
import { ConfigError } from '../errors.js';
import { credentialFor } from './credential.js';

const clients = new Map<string, CosmosClient>();

/** Parses `AccountEndpoint=...;AccountKey=...;` the way the Functions Cosmos DB extension reads it. */
export function parseCosmosConnectionString(
  connectionString: string,
  setting: string,
): { endpoint: string; key: string } {
  const parts = new Map(
    connectionString
      .split(';')
      .map((part) => part.trim())
      .filter(Boolean)
      .map((part) => {
        const at = part.indexOf('=');
        return [part.slice(0, at).toLowerCase(), part.slice(at + 1)] as const;
      }),
  );
  const endpoint = parts.get('accountendpoint');
  const key = parts.get('accountkey');
  if (!endpoint || !key) {
    const problem = `${setting}: expected "AccountEndpoint=https://<account>.documents.azure.com:443/;AccountKey=<key>;"`;
    throw new ConfigError(`invalid configuration:\n  ${problem}`, [problem]);
  }
  return { endpoint, key };
}

export function cosmosClientFor(connection: ResolvedConnection): CosmosClient {
  let client = clients.get(connection.setting);
  if (!client) {
    if (connection.kind === 'connectionString') {
      const { endpoint, key } = parseCosmosConnectionString(connection.connectionString, connection.setting);
      // Plain-http endpoints are local servers (emulator, local stack) that have one region: discovery only costs.
      const local = endpoint.startsWith('http://');
      client = new CosmosClient({ endpoint, key, connectionPolicy: { enableEndpointDiscovery: !local } });
    } else {
      client = new CosmosClient({ endpoint: connection.endpoint, aadCredentials: credentialFor(connection.clientId) });
    }
    clients.set(connection.setting, client);
  }
  return client;
}
