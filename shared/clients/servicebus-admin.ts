/**
 * The Service Bus administration client (the namespace's REST management API, where subscription counts come from),
 * one per connection per process. Against Azure it is built like the messaging client: from the connection string or
 * from `<NAME>__fullyQualifiedNamespace` and a credential. Both need Manage rights (a SAS policy with Manage, or the
 * "Azure Service Bus Data Owner" role).
 *
 * A local broker answers the management API on a separate plain-http port, which the client cannot be told about: it
 * always builds `https://<namespace host>/...`. The optional setting `<NAME>__adminEndpoint` (e.g.
 * `ServiceBus__adminEndpoint=http://127.0.0.1:5300`) adds a pipeline policy that sends each request there once it
 * is signed. It is honoured only with a `UseDevelopmentEmulator=true` connection string, so a real namespace's
 * credentials are never sent to another host.
 */
import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { ServiceBusAdministrationClient, type ServiceBusAdministrationClientOptions } from '@azure/service-bus';
import type { ResolvedConnection } from '../config/connections.js';
import { ConfigError } from '../errors.js';
import { credentialFor } from './credential.js';

/** The setting suffix: `ServiceBus__adminEndpoint` for the `ServiceBus` connection. */
export const ADMIN_ENDPOINT_SUFFIX = 'adminEndpoint';

const clients = new Map<string, ServiceBusAdministrationClient>();

const isEmulator = (connectionString: string): boolean =>
  /(^|;)\s*UseDevelopmentEmulator\s*=\s*true\s*(;|$)/i.test(connectionString);

/**
 * What is wrong with an admin endpoint setting for this connection, or undefined when it is fine (or absent). Pure,
 * so the configuration loader can report it with every other bad setting at start-up.
 */
export function adminEndpointProblem(
  connection: ResolvedConnection,
  adminEndpoint: string | undefined,
): string | undefined {
  if (adminEndpoint === undefined || adminEndpoint.trim() === '') return undefined;
  const setting = `${connection.setting}__${ADMIN_ENDPOINT_SUFFIX}`;
  if (connection.kind !== 'connectionString' || !isEmulator(connection.connectionString)) {
    return `${setting}: only for a local broker; ${connection.setting} must be a connection string with UseDevelopmentEmulator=true (against Azure, remove ${setting})`;
  }
  let url: URL;
  try {
    url = new URL(adminEndpoint.trim());
  } catch {
    return `${setting}: expected an absolute URL such as http://127.0.0.1:5300, got "${adminEndpoint}"`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return `${setting}: expected an http or https URL such as http://127.0.0.1:5300, got "${adminEndpoint}"`;
  }
  if (url.pathname !== '/' || url.search !== '' || url.hash !== '') {
    return `${setting}: expected scheme, host and port only (no path or query), got "${adminEndpoint}"`;
  }
  return undefined;
}

/**
 * Sends each (already signed) request to `endpoint` instead of the namespace host. Add it after the "Sign" phase, so
 * the SAS token is computed for the URL the client believes it calls. The local stack's admin client uses it too.
 */
export function adminEndpointPolicy(endpoint: URL): PipelinePolicy {
  return {
    name: 'cosmosSyncAdminEndpoint',
    async sendRequest(request, next) {
      const url = new URL(request.url);
      // Retries pass through again with the rewritten URL; keep the host the client was configured with.
      if (!request.headers.has('x-forwarded-host')) request.headers.set('x-forwarded-host', url.host);
      url.protocol = endpoint.protocol;
      url.hostname = endpoint.hostname;
      // Set even when empty: the hostname alone would keep a port from the connection string's Endpoint.
      url.port = endpoint.port;
      request.url = url.toString();
      // core-rest-pipeline refuses plain http unless the request opts in; a local endpoint has no TLS.
      request.allowInsecureConnection = endpoint.protocol === 'http:';
      return next(request);
    },
  };
}

function create(
  connection: ResolvedConnection,
  adminEndpoint: string | undefined,
  options: ServiceBusAdministrationClientOptions,
): ServiceBusAdministrationClient {
  if (connection.kind === 'identity') {
    return new ServiceBusAdministrationClient(connection.endpoint, credentialFor(connection.clientId), options);
  }
  const client = new ServiceBusAdministrationClient(connection.connectionString, options);
  if (adminEndpoint !== undefined) {
    // After "Sign": the token is computed for the URL the client believes it calls, exactly as for Azure.
    client.pipeline.addPolicy(adminEndpointPolicy(new URL(adminEndpoint)), { afterPhase: 'Sign' });
  }
  return client;
}

/**
 * The shared admin client for `connection`. Throws `ConfigError` when `adminEndpoint` is set but not allowed or
 * malformed (see `adminEndpointProblem`). `options` count only for the first call per connection (tests use them to
 * turn off retries).
 */
export function serviceBusAdminClientFor(
  connection: ResolvedConnection,
  adminEndpoint?: string,
  options: ServiceBusAdministrationClientOptions = {},
): ServiceBusAdministrationClient {
  const problem = adminEndpointProblem(connection, adminEndpoint);
  if (problem !== undefined) throw new ConfigError(`invalid configuration:\n  ${problem}`, [problem]);
  const endpoint = adminEndpoint?.trim() || undefined;
  // Keyed by what it connects to, so two local stacks (tests) behind one setting name never share a client.
  const target = connection.kind === 'connectionString' ? connection.connectionString : connection.endpoint;
  const key = JSON.stringify([
    connection.kind,
    target,
    connection.kind === 'identity' ? connection.clientId : '',
    endpoint,
  ]);
  let client = clients.get(key);
  if (!client) {
    client = create(connection, endpoint, options);
    clients.set(key, client);
  }
  return client;
}
