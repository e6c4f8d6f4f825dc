/**
 * The Blob target's own container client. It resolves the connection through `shared/clients/blobs.ts` but
 * sets the SDK's retry policy: the default (4 tries, waits of 0, 4 and 12 s, no client-side timeout per try) can hold
 * one write for minutes while the subscriber runner also retries the batch, and the session lock is renewed only so
 * long. Here: retries after 0 s, 0.5 s, 1.5 s, ... (at most 4 s apart), each try bounded by the configured timeout.
 */
import type { ContainerClient, StoragePipelineOptions } from '@azure/storage-blob';
import { createBlobServiceClient } from '../../clients/blobs.js';
import type { ResolvedStorageConnection } from '../../config/storage.js';

export interface BlobRequestPolicy {
  /** Tries of one request, the first included. */
  attempts: number;
  timeoutMs: number;
}

export function blobContainerClient(
  connection: ResolvedStorageConnection,
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
  return createBlobServiceClient(connection, options).getContainerClient(container);
}
