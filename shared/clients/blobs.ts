/** Blob container clients from resolved storage connections, reused across invocations. */
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import type { ResolvedConnection } from '../config/connections.js';
import { credentialFor } from './credential.js';

const services = new Map<string, BlobServiceClient>();

function serviceFor(connection: ResolvedConnection): BlobServiceClient {
  let service = services.get(connection.setting);
  if (!service) {
    service =
      connection.kind === 'connectionString'
        ? BlobServiceClient.fromConnectionString(connection.connectionString)
        : new BlobServiceClient(blobEndpointOf(connection.endpoint), credentialFor(connection.clientId));
    services.set(connection.setting, service);
  }
  return service;
}

/** Identity-based storage settings name the account or a service URI; both lead to the blob endpoint. */
export function blobEndpointOf(endpoint: string): string {
  if (/^https?:\/\//.test(endpoint)) return endpoint.replace(/\.(table|queue)\./, '.blob.');
  return `https://${endpoint}.blob.core.windows.net`;
}

export function blobContainerFor(connection: ResolvedConnection, container: string): ContainerClient {
  return serviceFor(connection).getContainerClient(container);
}
