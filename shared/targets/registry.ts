/** Builds the target a config entry describes; the one place that knows every target type. */
import type { AppConfig } from '../config/load.js';
import type { TargetConfig } from '../config/schema.js';
import { cosmosClientFor } from '../clients/cosmos.js';
import { createBlobTarget } from './blob/index.js';
import { CosmosTarget } from './cosmos/index.js';
import { createPostgresTarget } from './postgres/index.js';
import { createRedisTarget } from './redis/index.js';
import { createWebhookTarget } from './webhook/index.js';
import type { Target } from './target.js';

// parseConfig resolves every connection a target names, so a miss here is a programming error.
function resolved<T>(connection: T | undefined, name: string): T {
  if (!connection) throw new Error(`connection ${name} was not resolved at start-up`);
  return connection;
}

const connectionOf = (config: AppConfig, name: string) => resolved(config.connections.get(name), name);
const storageConnectionOf = (config: AppConfig, name: string) => resolved(config.storageConnections.get(name), name);

export function createTarget(target: TargetConfig, config: AppConfig): Target {
  switch (target.type) {
    case 'cosmos':
      return new CosmosTarget({
        name: target.name,
        client: cosmosClientFor(connectionOf(config, target.connection)),
        database: target.database,
        container: target.container,
        partitionKeyPath: target.partitionKeyPath,
        createIfNotExists: target.createIfNotExists,
      });
    case 'postgres':
      return createPostgresTarget(target, connectionOf(config, target.connection));
    case 'redis':
      return createRedisTarget(target, connectionOf(config, target.connection));
    case 'blob':
      return createBlobTarget(target, { connection: storageConnectionOf(config, target.connection) });
    case 'webhook':
      return createWebhookTarget(target, { env: process.env });
  }
}
