/**
 * Points the real, unmodified `ServiceBusAdministrationClient` at the local endpoint. The client builds every URL as
 * `https://<namespace host>/<path>` and offers no option to change that, so a pipeline policy rewrites scheme, host
 * and port just before each request leaves, after the request has been signed for the original URL.
 */

import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { ServiceBusAdministrationClient } from '@azure/service-bus';
import { adminEndpointPolicy } from '../../../shared/clients/servicebus-admin.js';

/** Pipeline policy that sends the admin client's https requests to a local http endpoint. */
export function localAdminEndpointPolicy(adminEndpoint: string): PipelinePolicy {
  return adminEndpointPolicy(parseAdminEndpoint(adminEndpoint));
}

/** A ServiceBusAdministrationClient for the local broker: connection string for auth, admin endpoint for transport. */
export function createLocalAdministrationClient(
  connectionString: string,
  adminEndpoint: string,
): ServiceBusAdministrationClient {
  const client = new ServiceBusAdministrationClient(connectionString);
  // After "Sign" so the SAS token is computed for the URL the client believes it calls, as it would be for Azure.
  client.pipeline.addPolicy(localAdminEndpointPolicy(adminEndpoint), { afterPhase: 'Sign' });
  return client;
}

function parseAdminEndpoint(adminEndpoint: string): URL {
  let url: URL;
  try {
    url = new URL(adminEndpoint);
  } catch {
    throw new TypeError(
      `The admin endpoint must be an absolute URL such as http://127.0.0.1:5300; got '${adminEndpoint}'.`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`The admin endpoint must use http or https; got '${adminEndpoint}'.`);
  }
  if (url.pathname !== '/' || url.search !== '') {
    throw new TypeError(`The admin endpoint must not have a path or query; got '${adminEndpoint}'.`);
  }
  return url;
}
