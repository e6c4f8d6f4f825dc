/**
 * Storage connections. Locally a connection string (`UseDevelopmentStorage=true` for Azurite, or one with explicit
 * endpoints), handed to the SDKs unchanged. In Azure identity-based settings, where each service has its own
 * endpoint: `X__tableServiceUri`, `X__blobServiceUri` (and `X__queueServiceUri`, which only the Functions host uses),
 * or `X__accountName` for all of them. A service's endpoint comes from its own URI setting or from the account name,
 * never from another service's URI: accounts may use custom domains or private endpoints where the names differ.
 */
import { ConfigError } from '../errors.js';
import { connectionStringProblem } from './connection-string.js';
import { connectionStringOf, identityOf, type Env } from './connections.js';

export type StorageService = 'table' | 'blob';

export type ResolvedStorageConnection =
  | { kind: 'connectionString'; setting: string; connectionString: string }
  | {
      kind: 'identity';
      setting: string;
      clientId: string | undefined;
      /** Undefined when the settings give no endpoint for the service; parseConfig reports it when one is needed. */
      endpoints: Readonly<Record<StorageService, string | undefined>>;
    };

/** What needs each service of a connection, for the start-up message (e.g. "the quarantine container"). */
export type StorageNeeds = ReadonlyMap<StorageService, readonly string[]>;

const SERVICE_URI_SUFFIX = { table: 'tableServiceUri', blob: 'blobServiceUri' } as const;
/** Any of these makes a connection identity-based; the queue URI counts although only the Functions host uses it. */
const IDENTITY_SUFFIXES = ['accountName', 'tableServiceUri', 'blobServiceUri', 'queueServiceUri'];
const ACCOUNT_NAME = /^[a-z0-9]{3,24}$/;

function serviceUri(env: Env, name: string, service: StorageService): { uri?: string; problem?: string } {
  const setting = `${name}__${SERVICE_URI_SUFFIX[service]}`;
  const value = env[setting]?.trim();
  if (!value) return {};
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url?.protocol !== 'https:' || url.search !== '' || url.hash !== '') {
    return {
      problem: `${setting}: expected an https URL such as https://<account>.${service}.core.windows.net, got "${value}"`,
    };
  }
  // Trailing slashes would double up when the SDKs append paths.
  return { uri: value.replace(/\/+$/, '') };
}

/**
 * Resolves a storage connection for the services it is needed for, or lists every problem (a malformed setting, or
 * no endpoint for a needed service). Pure: reads only the given environment.
 */
export function resolveStorageConnection(
  env: Env,
  name: string,
  needs: StorageNeeds,
): { connection: ResolvedStorageConnection } | { problems: string[] } {
  const connectionString = connectionStringOf(env, name);
  if (connectionString !== undefined) {
    const problem = connectionStringProblem(name, 'storage', connectionString);
    if (problem) return { problems: [problem] };
    return { connection: { kind: 'connectionString', setting: name, connectionString } };
  }
  if (!IDENTITY_SUFFIXES.some((suffix) => env[`${name}__${suffix}`]?.trim())) {
    return {
      problems: [
        `${name}: missing; set ${name} to a connection string (local) or, for identity-based access (Azure), ` +
          `${name}__accountName or the service URIs (${name}__tableServiceUri, ${name}__blobServiceUri)`,
      ],
    };
  }
  const accountName = env[`${name}__accountName`]?.trim() || undefined;
  const table = serviceUri(env, name, 'table');
  const blob = serviceUri(env, name, 'blob');
  const problems = [table.problem, blob.problem].filter((problem) => problem !== undefined);
  const accountValid = accountName !== undefined && ACCOUNT_NAME.test(accountName);
  if (accountName !== undefined && !accountValid) {
    problems.push(
      `${name}__accountName: expected a storage account name (3-24 lower-case letters and digits), got "${accountName}"`,
    );
  }
  const identity = identityOf(env, name);
  if (typeof identity === 'string') problems.push(identity);
  const uris = { table, blob };
  const endpointOf = (service: StorageService) =>
    uris[service].uri ?? (accountValid ? `https://${accountName}.${service}.core.windows.net` : undefined);
  const endpoints = { table: endpointOf('table'), blob: endpointOf('blob') };
  for (const [service, users] of needs) {
    // A malformed URI or account name is reported above already: one problem per bad setting.
    if (endpoints[service] !== undefined || uris[service].problem || accountName !== undefined) continue;
    problems.push(
      `${name}: no ${service} endpoint for identity-based access (needed for ${users.join(', ')}); set ` +
        `${name}__${SERVICE_URI_SUFFIX[service]} to https://<account>.${service}.core.windows.net or ${name}__accountName`,
    );
  }
  if (problems.length > 0 || typeof identity === 'string') return { problems };
  return { connection: { kind: 'identity', setting: name, clientId: identity.clientId, endpoints } };
}

/**
 * The endpoint of one service of an identity-based storage connection. parseConfig has checked that every needed
 * endpoint is there; this throws `ConfigError` for a caller that asks for a service nobody declared a need for.
 */
export function storageEndpointOf(
  connection: Extract<ResolvedStorageConnection, { kind: 'identity' }>,
  service: StorageService,
): string {
  const endpoint = connection.endpoints[service];
  if (endpoint === undefined) {
    const problem = `${connection.setting}: no ${service} endpoint; set ${connection.setting}__${SERVICE_URI_SUFFIX[service]} or ${connection.setting}__accountName`;
    throw new ConfigError(`invalid configuration:\n  ${problem}`, [problem]);
  }
  return endpoint;
}
