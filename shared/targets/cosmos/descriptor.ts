import { cosmosClientFor } from '../../clients/cosmos.js';
import { defineTarget } from '../descriptor.js';
import { cosmosTargetSchema, resolveCosmosTarget } from './config.js';
import { CosmosTarget } from './index.js';

export const cosmosTarget = defineTarget({
  type: 'cosmos',
  configSchema: cosmosTargetSchema,
  connection: { service: 'cosmos', of: (config) => config.connection },
  resolve: resolveCosmosTarget,
  create: (config, context) =>
    new CosmosTarget({
      name: config.name,
      client: cosmosClientFor(context.connection(config.connection)),
      database: config.database,
      container: config.container,
      partitionKeyPath: config.partitionKeyPath,
      createIfNotExists: config.createIfNotExists ?? false,
    }),
});
