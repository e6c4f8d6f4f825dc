/** Blob container clients from resolved storage connections, reused across invocations. */
import { BlobServiceClient, type ContainerClient, type StoragePipelineOptions } from '@azure/storage-blob';
import { storageEndpointOf, type ResolvedStorageConnection } from '../config/storage.js';
import { credentialFor } from './credential.js';

const services = new Map<string, BlobServiceClient>();

/**
 * A blob service client for the connection: the connection string as it is (Azurite's `UseDevelopmentStorage=true`
 * included), or the blob endpoint the identity-based settings give, with the connection's identity.
 */
export function createBlobServiceClient(
  connection: ResolvedStorageConnection,
  options?: StoragePipelineOptions,
): BlobServiceClient {
  if (connection.kind === 'connectionString') {
    return BlobServiceClient.fromConnectionString(connection.connectionString, options);
  }
  return new BlobServiceClient(storageEndpointOf(connection, 'blob'), credentialFor(connection.clientId), options);
}

export function blobContainerFor(connection: ResolvedStorageConnection, container: string): ContainerClient {
  let service = services.get(connection.setting);
  if (!service) {
    service = createBlobServiceClient(connection);
    services.set(connection.setting, service);
  }
  return service.getContainerClient(container);
}
