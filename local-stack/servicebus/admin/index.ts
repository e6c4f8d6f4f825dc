/**
 * Local stand-in for the Service Bus ATOM management API, enough for `ServiceBusAdministrationClient` to read entity
 * descriptions and runtime counts from the local broker. Read-only: see docs/local-stack.md for what differs from
 * Azure.
 */

import type { RuntimeCountsSource } from '../runtime-counts.js';
import { createAdminServer, listenOn } from './server.js';

export { createLocalAdministrationClient, localAdminEndpointPolicy } from './client.js';
export { createAdminRequestListener } from './server.js';

export interface AdminEndpointOptions {
  /** Interface to listen on. Default 127.0.0.1. */
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  counts: RuntimeCountsSource;
}

export interface AdminEndpoint {
  /** e.g. `http://127.0.0.1:5300`; pass it to `createLocalAdministrationClient` or `localAdminEndpointPolicy`. */
  endpoint: string;
  port: number;
  /** Stops listening and drops open connections. Safe to call more than once. */
  close(): Promise<void>;
}

export async function startAdminEndpoint(options: AdminEndpointOptions): Promise<AdminEndpoint> {
  const host = options.host ?? '127.0.0.1';
  const running = await listenOn(createAdminServer(options.counts), host, options.port ?? 0);
  return { endpoint: `http://${hostForUrl(host)}:${running.port}`, port: running.port, close: running.close };
}

/** A wildcard listen address is not something a client can connect to; IPv6 literals need brackets in a URL. */
function hostForUrl(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
