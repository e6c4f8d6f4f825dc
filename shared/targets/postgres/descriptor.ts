import { defineTarget } from '../descriptor.js';
import { postgresTargetSchema } from './config.js';
import { createPostgresTarget } from './index.js';

export const postgresTarget = defineTarget({
  type: 'postgres',
  configSchema: postgresTargetSchema,
  connection: { service: 'postgres', of: (config) => config.connection },
  create: (config, context) => createPostgresTarget(config, context.connection(config.connection)),
});
