/** Builds the target a config entry describes, through its type's descriptor (catalog.ts). */
import type { AppConfig } from '../config/load.js';
import type { TargetConfig } from '../config/schema.js';
import { descriptorOf, TARGET_TYPES } from './catalog.js';
import type { TargetBuildContext, TargetDescriptor } from './descriptor.js';
import type { Target } from './target.js';

// parseConfig resolves every connection a target names, so a miss here is a programming error.
function resolved<T>(connection: T | undefined, name: string): T {
  if (!connection) throw new Error(`connection ${name} was not resolved at start-up`);
  return connection;
}

export function createTarget(
  target: TargetConfig,
  config: AppConfig,
  targetTypes: readonly TargetDescriptor[] = TARGET_TYPES,
): Target {
  const context: TargetBuildContext = {
    connection: (name) => resolved(config.connections.get(name), name),
    storageConnection: (name) => resolved(config.storageConnections.get(name), name),
    env: process.env,
  };
  return descriptorOf(targetTypes, target.type).create(target as never, context);
}
