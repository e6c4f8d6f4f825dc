/**
 * The Blob target's own container client. It resolves the connection exactly as `shared/clients/blobs.ts` does but
 * sets the SDK's retry policy: the default (4 tries, waits of 0, 4 and 12 s, no client-side timeout per try) can hold
 * one write for minutes while the subscriber runner also retries the batch, and the session lock is renewed only so
 * long. Here: retries after 0 s, 0.5 s, 1.5 s, ... (at most 4 s apart), each try bounded by the configured timeout.
 */
import { BlobServiceClient, type ContainerClient, type StoragePipelineOptions } from '@azure/storage-blob';
import { blobEndpointOf } from '../../clients/blobs.js';
import { credentialFor } from '../../clients/credential.js';
import type { ResolvedConnection } from '../../config/connections.js';

export interface BlobRequestPolicy {
  /** Tries of one request, the first included. */
  attempts: number;
  timeoutMs: number;
}

export function blobContainerClient(
  connection: ResolvedConnection,
  container: string,
  policy: BlobRequestPolicy,
): ContainerClient {
  const options: StoragePipelineOptions = {
    retryOptions: {
      maxTries: policy.attempts,
      tryTimeoutInMs: policy.timeoutMs,
      retryDelayInMs: 500,
      maxRetryDelayInMs: 4_000,
    },
  };
  const service =
    connection.kind === 'connectionString'
      ? BlobServiceClient.fromConnectionString(connection.connectionString, options)
      : new BlobServiceClient(blobEndpointOf(connection.endpoint), credentialFor(connection.clientId), options);
  return service.getContainerClient(container);
}
