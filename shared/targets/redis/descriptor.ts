import { defineTarget } from '../descriptor.js';
import { redisTargetSchema } from './config.js';
import { createRedisTarget } from './index.js';

export const redisTarget = defineTarget({
  type: 'redis',
  configSchema: redisTargetSchema,
  connection: { service: 'redis', of: (config) => config.connection },
  create: (config, context) => createRedisTarget(config, context.connection(config.connection)),
});
