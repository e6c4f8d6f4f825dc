import { defineTarget } from '../descriptor.js';
import { blobTargetSchema } from './config.js';
import { createBlobTarget } from './index.js';

export const blobTarget = defineTarget({
  type: 'blob',
  configSchema: blobTargetSchema,
  connection: { service: 'blob', of: (config) => config.connection },
  create: (config, context) => createBlobTarget(config, { connection: context.storageConnection(config.connection) }),
});
