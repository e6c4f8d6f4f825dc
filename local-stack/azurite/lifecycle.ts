/**
 * Starting and stopping the three Azurite services as one unit: if one cannot start, the others are stopped again so
 * no port stays bound by a half-started stack; closing waits until the listening sockets are really released.
 */

import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { releaseAfterFailedStart, type AzuriteServer } from './azurite-servers.js';

export type StorageService = 'blob' | 'queue' | 'table';

export interface StartedServer {
  server: AzuriteServer;
  port: number;
}

export async function startAzuriteServers(
  host: string,
  servers: Record<StorageService, AzuriteServer>,
): Promise<Record<StorageService, StartedServer>> {
  const services = Object.keys(servers) as StorageService[];
  const results = await Promise.allSettled(services.map((service) => servers[service].start()));
  const failures = services.flatMap((service, index) => {
    const result = results[index];
    return result?.status === 'rejected' ? [startError(service, host, servers[service], result.reason)] : [];
  });
  if (failures.length > 0) {
    const started = services.filter((_, index) => results[index]?.status === 'fulfilled');
    const failed = services.filter((_, index) => results[index]?.status === 'rejected');
    await stopAfterFailedStart(
      started.map((service) => servers[service]),
      failed.map((service) => servers[service]),
    );
    throw failures.length === 1
      ? failures[0]
      : new AggregateError(failures, 'azurite: several services failed to start');
  }
  const startedServer = (service: StorageService): StartedServer => ({
    server: servers[service],
    port: (servers[service].httpServer.address() as AddressInfo).port,
  });
  return { blob: startedServer('blob'), queue: startedServer('queue'), table: startedServer('table') };
}

/** Azurite's close() stops the stores but returns before the socket is released; wait for that too. */
export async function closeAzuriteServer(server: AzuriteServer): Promise<void> {
  const httpServer = server.httpServer;
  const released = httpServer.listening ? once(httpServer, 'close') : Promise.resolve();
  await server.close();
  // Clients such as the Storage SDKs keep idle connections open; drop them rather than wait for their timeout.
  httpServer.closeAllConnections();
  await released;
}

function startError(service: StorageService, host: string, server: AzuriteServer, reason: unknown): Error {
  const requested = (server as unknown as { port?: unknown }).port;
  const detail = reason instanceof Error ? reason.message : String(reason);
  return new Error(`azurite: the ${service} service could not start on ${host}:${String(requested)}: ${detail}`, {
    cause: reason,
  });
}

/** The start error is what the caller must see; a failure to stop is reported on stderr, not lost. */
async function stopAfterFailedStart(started: AzuriteServer[], failed: AzuriteServer[]): Promise<void> {
  const results = await Promise.allSettled([
    ...started.map(closeAzuriteServer),
    ...failed.map(releaseAfterFailedStart),
  ]);
  for (const result of results) {
    if (result.status === 'rejected') {
      console.error('azurite: could not stop a service after a failed start:', result.reason);
    }
  }
}
