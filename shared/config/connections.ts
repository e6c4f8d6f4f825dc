/**
 * Connection settings in the Azure Functions convention: a connection named `X` is either the app setting `X` holding
 * a connection string (local development) or identity-based settings `X__accountEndpoint` /
 * `X__fullyQualifiedNamespace` / `X__tableServiceUri` with optional `X__credential` and `X__clientId` (Azure).
 */
import { z } from 'zod';

export type Env = Readonly<Record<string, string | undefined>>;

export type ResolvedConnection =
  | { kind: 'connectionString'; setting: string; connectionString: string }
  | { kind: 'identity'; setting: string; endpoint: string; clientId: string | undefined };

/**
 * The identity-based suffixes each service accepts for its endpoint, first match wins, as the Functions extensions
 * read them. Storage takes the account name or a service URI; clients derive the other services' URIs from either.
 */
export const IDENTITY_ENDPOINT_SUFFIX = {
  cosmos: ['accountEndpoint'],
  serviceBus: ['fullyQualifiedNamespace'],
  storage: ['accountName', 'tableServiceUri', 'blobServiceUri'],
  /** Connection strings only: the pg and ioredis clients have no Azure identity support here. */
  postgres: [],
  redis: [],
} as const;

const CONNECTION_STRING_EXAMPLES: Partial<Record<ConnectionService, string>> = {
  postgres: 'postgres://user:password@host:5432/database',
  redis: 'redis://:password@host:6379',
};
export type ConnectionService = keyof typeof IDENTITY_ENDPOINT_SUFFIX;

/** Names of connection settings: letters, digits and underscores, like app setting names that survive Linux. */
export const connectionNameSchema = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'expected a setting name made of letters, digits and underscores')
  .describe('Name of the app setting (or __-suffixed group of settings) that holds the connection');

/**
 * Resolves a connection or explains exactly which settings are missing. Pure: reads only the given environment.
 * Returns a problem string instead of throwing so that every bad setting is reported in one start-up error.
 */
export function resolveConnection(env: Env, name: string, service: ConnectionService): ResolvedConnection | string {
  const direct = env[name];
  if (direct !== undefined && direct.trim() !== '') {
    return { kind: 'connectionString', setting: name, connectionString: direct.trim() };
  }
  const suffixes: readonly string[] = IDENTITY_ENDPOINT_SUFFIX[service];
  const suffix = suffixes[0];
  if (suffix === undefined) {
    return `${name}: missing; set ${name} to a connection string such as ${CONNECTION_STRING_EXAMPLES[service] ?? '...'}`;
  }
  const endpoint = suffixes.map((candidate) => env[`${name}__${candidate}`]?.trim()).find(Boolean);
  if (endpoint) {
    const credential = env[`${name}__credential`]?.trim();
    if (credential && credential.toLowerCase() !== 'managedidentity') {
      return `${name}__credential: expected "managedidentity" or nothing, got "${credential}"`;
    }
    return { kind: 'identity', setting: name, endpoint, clientId: env[`${name}__clientId`]?.trim() || undefined };
  }
  return `${name}: missing; set ${name} to a connection string (local) or ${name}__${suffix} for identity-based access (Azure)`;
}
