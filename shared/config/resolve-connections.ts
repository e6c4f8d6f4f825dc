/**
 * Which connections the configuration uses, and for what, resolved in one pass. Storage connections are resolved
 * for the services their users need (AzureWebJobsStorage: tables and blobs; a blob target: blobs), so a missing
 * endpoint is reported at start-up with who needs it.
 */
import { resolveConnection, type ConnectionService, type Env, type ResolvedConnection } from './connections.js';
import { descriptorOf, TARGET_TYPES } from '../targets/catalog.js';
import type { TargetDescriptor } from '../targets/descriptor.js';
import type { ParsedSourceConfig, ParsedTargetConfig } from './schema.js';
import { resolveStorageConnection, type ResolvedStorageConnection, type StorageService } from './storage.js';

/** The fixed connection names of the shared services, as the function registrations reference them. */
export const SERVICE_BUS_CONNECTION = 'ServiceBus';
export const STORAGE_CONNECTION = 'AzureWebJobsStorage';

const LABEL: Record<ConnectionService | 'storage', string> = {
  cosmos: 'Cosmos DB',
  serviceBus: 'Service Bus',
  postgres: 'PostgreSQL',
  redis: 'Redis',
  storage: 'storage',
};

const isStorageService = (service: ConnectionService | StorageService): service is StorageService =>
  service === 'table' || service === 'blob';

export interface ResolvedConnections {
  connections: Map<string, ResolvedConnection>;
  storageConnections: Map<string, ResolvedStorageConnection>;
  problems: string[];
}

export function resolveConnections(
  env: Env,
  sources: readonly ParsedSourceConfig[],
  targets: readonly ParsedTargetConfig[],
  targetTypes: readonly TargetDescriptor[] = TARGET_TYPES,
): ResolvedConnections {
  const problems: string[] = [];
  const services = new Map<string, ConnectionService>();
  const storageNeeds = new Map<string, Map<StorageService, string[]>>();
  const kindOf = (name: string) => (storageNeeds.has(name) ? 'storage' : services.get(name));
  // One setting cannot be two kinds of connection; say so instead of resolving it as whichever came last.
  const want = (name: string, service: ConnectionService | StorageService, user: string) => {
    const kind = isStorageService(service) ? 'storage' : service;
    const earlier = kindOf(name);
    if (earlier !== undefined && earlier !== kind) {
      problems.push(
        `${name}: used as a ${LABEL[earlier]} connection and as a ${LABEL[kind]} connection (${user}); give each its own setting`,
      );
      return;
    }
    if (!isStorageService(service)) {
      services.set(name, service);
      return;
    }
    const needs = storageNeeds.get(name) ?? new Map<StorageService, string[]>();
    needs.set(service, [...(needs.get(service) ?? []), user]);
    storageNeeds.set(name, needs);
  };

  want(SERVICE_BUS_CONNECTION, 'serviceBus', 'the events topic');
  want(STORAGE_CONNECTION, 'table', 'the state and metrics tables');
  want(STORAGE_CONNECTION, 'blob', 'the quarantine and claim-check containers');
  for (const source of sources) {
    want(source.connection, 'cosmos', `source "${source.name}"`);
    want(source.leaseConnection ?? source.connection, 'cosmos', `the leases of source "${source.name}"`);
  }
  for (const target of targets) {
    const connection = descriptorOf(targetTypes, target.type).connection;
    if (connection) want(connection.of(target as never), connection.service, `${target.type} target "${target.name}"`);
  }

  const connections = new Map<string, ResolvedConnection>();
  for (const [name, service] of services) {
    const resolved = resolveConnection(env, name, service);
    if (typeof resolved === 'string') problems.push(resolved);
    else connections.set(name, resolved);
  }
  const storageConnections = new Map<string, ResolvedStorageConnection>();
  for (const [name, needs] of storageNeeds) {
    const resolved = resolveStorageConnection(env, name, needs);
    if ('problems' in resolved) problems.push(...resolved.problems);
    else storageConnections.set(name, resolved.connection);
  }
  return { connections, storageConnections, problems };
}
