/**
 * Config fragment of the Cosmos DB target (`type: "cosmos"`), and its start-up check: with an identity, Cosmos DB
 * data-plane RBAC cannot create databases or containers, so creating is on by default only for a connection string,
 * and asking for it with an identity is a start-up problem rather than a 403 at run time.
 */
import { z } from 'zod';
import { connectionNameSchema } from '../../config/connections.js';
import { partitionKeyPathSchema } from '../../config/partition-key-path.js';
import { createSwitch, type Resolved } from '../../config/defaults.js';
import { targetCommonFields } from '../../config/target-common.js';
import type { TargetCheckContext } from '../descriptor.js';

export const cosmosTargetSchema = z.object({
  ...targetCommonFields,
  type: z.literal('cosmos'),
  connection: connectionNameSchema.default('CosmosTarget'),
  database: z.string().min(1).describe('Database of the target container'),
  container: z.string().min(1).describe('Target container (a materialized copy)'),
  partitionKeyPath: partitionKeyPathSchema.default('/pk').describe('Partition key path of the target container'),
  createIfNotExists: z
    .boolean()
    .optional()
    .describe(
      'Create the database and container at start-up when missing. Default: true when the connection is a ' +
        'connection string, false when it is identity-based (Cosmos DB data-plane RBAC cannot create databases or ' +
        'containers: create them in infrastructure)',
    ),
});

export type CosmosTargetConfig = z.infer<typeof cosmosTargetSchema>;

/** Fills `createIfNotExists` from the connection's kind; an unresolved connection (already reported) counts as a string. */
export function resolveCosmosTarget(
  config: CosmosTargetConfig,
  { index, connections }: TargetCheckContext,
): Resolved<CosmosTargetConfig> {
  const where = `${config.database}/${config.container}`;
  const { value, problems } = createSwitch(
    config.createIfNotExists,
    connections.get(config.connection),
    (setting) =>
      `COSMOS_SYNC_TARGETS[${index}].createIfNotExists: true needs a connection string, but ${setting} is ` +
      `identity-based and Cosmos DB data-plane RBAC cannot create databases or containers; create ${where} in ` +
      `your infrastructure and remove createIfNotExists (or set it to false)`,
  );
  return { value: { ...config, createIfNotExists: value }, problems };
}
