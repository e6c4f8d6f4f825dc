/**
 * Connection settings in the Azure Functions convention: a connection named `X` is either the app setting `X` holding
 * a connection string (local development) or identity-based settings `X__accountEndpoint` /
 * `X__fullyQualifiedNamespace` with optional `X__credential` and `X__clientId` (Azure). Storage connections have their
 * own resolver (storage.ts) because each storage service has its own endpoint.
 */
import { z } from 'zod';
import { connectionStringProblem } from './connection-string.js';

export type Env = Readonly<Record<string, string | undefined>>;

export type ResolvedConnection =
  | { kind: 'connectionString'; setting: string; connectionString: string }
  | { kind: 'identity'; setting: string; endpoint: string; clientId: string | undefined };

/**
 * The identity-based suffix each service reads its endpoint from, as the Functions extensions read them. Storage is
 * not here: see storage.ts.
 */
export const IDENTITY_ENDPOINT_SUFFIX = {
  cosmos: 'accountEndpoint',
  serviceBus: 'fullyQualifiedNamespace',
  /** Connection strings only: the pg and ioredis clients have no Azure identity support here. */
  postgres: undefined,
  redis: undefined,
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

/** The connection string in setting `name`, or undefined when it is absent or blank. */
export function connectionStringOf(env: Env, name: string): string | undefined {
  return env[name]?.trim() || undefined;
}

/**
 * The identity an identity-based connection signs in with: `__credential` may only say "managedidentity" (or be
 * absent), and `__clientId` selects a user-assigned identity. Every identity-based client passes this client id to
 * `credentialFor`.
 */
export function identityOf(env: Env, name: string): { clientId: string | undefined } | string {
  const credential = env[`${name}__credential`]?.trim();
  if (credential && credential.toLowerCase() !== 'managedidentity') {
    return `${name}__credential: expected "managedidentity" or nothing, got "${credential}"`;
  }
  return { clientId: env[`${name}__clientId`]?.trim() || undefined };
}

/**
 * Resolves a connection or explains exactly which settings are missing. Pure: reads only the given environment.
 * Returns a problem string instead of throwing so that every bad setting is reported in one start-up error.
 */
export function resolveConnection(env: Env, name: string, service: ConnectionService): ResolvedConnection | string {
  const connectionString = connectionStringOf(env, name);
  if (connectionString !== undefined) {
    return (
      connectionStringProblem(name, service, connectionString) ?? {
        kind: 'connectionString',
        setting: name,
        connectionString,
      }
    );
  }
  const suffix = IDENTITY_ENDPOINT_SUFFIX[service];
  if (suffix === undefined) {
    return `${name}: missing; set ${name} to a connection string such as ${CONNECTION_STRING_EXAMPLES[service] ?? '...'}`;
  }
  const endpoint = env[`${name}__${suffix}`]?.trim();
  if (!endpoint) {
    return `${name}: missing; set ${name} to a connection string (local) or ${name}__${suffix} for identity-based access (Azure)`;
  }
  const identity = identityOf(env, name);
  if (typeof identity === 'string') return identity;
  return { kind: 'identity', setting: name, endpoint, clientId: identity.clientId };
}
