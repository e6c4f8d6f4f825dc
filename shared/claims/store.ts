/**
 * The claim container: where the publisher stores events too large for one message and subscribers read them back.
 * Blobs are named by the SHA-256 of their bytes, so writing one again (a retried batch) writes the same bytes to the
 * same name; a rewrite also renews its age, which is what retention measures.
 */
import type { ContainerClient } from '@azure/storage-blob';
import { statusOf } from '../errors.js';
import { claimErrorFrom } from './errors.js';

export interface ClaimWriter {
  /** The container's name, which every reference carries. */
  readonly container: string;
  /** Resolves once the blob is stored; rejects with a ClaimCheckError (retryable unless 404) otherwise. */
  put(blob: string, bytes: Uint8Array, eventId: string, signal?: AbortSignal): Promise<void>;
}

export interface ClaimReader {
  readonly container: string;
  /** The blob's bytes; rejects with ClaimCheckError `CLAIM_MISSING` (final) or `CLAIM_UNAVAILABLE` (retry). */
  get(blob: string, signal?: AbortSignal): Promise<Uint8Array>;
}

export class BlobClaimStore implements ClaimWriter, ClaimReader {
  private ready: Promise<unknown> | undefined;

  constructor(private readonly client: ContainerClient) {}

  get container(): string {
    return this.client.containerName;
  }

  async put(blob: string, bytes: Uint8Array, eventId: string, signal?: AbortSignal): Promise<void> {
    // Created once per process (in Azure the template creates it, locally the first large event does), shared by
    // concurrent invocations: so not cancelled by the signal of the one that happened to start it.
    this.ready ??= this.client.createIfNotExists().catch((error: unknown) => {
      this.ready = undefined;
      throw claimErrorFrom(error, `create the claim container ${this.container}`);
    });
    await this.ready;
    try {
      await this.client.getBlockBlobClient(blob).uploadData(bytes, {
        abortSignal: signal,
        blobHTTPHeaders: { blobContentType: 'application/json' },
        metadata: { eventid: eventId },
      });
    } catch (error) {
      // The container was deleted under a running app: create it again on the next try.
      if (statusOf(error) === 404) this.ready = undefined;
      throw claimErrorFrom(error, `store claim blob ${this.container}/${blob}`);
    }
  }

  async get(blob: string, signal?: AbortSignal): Promise<Uint8Array> {
    try {
      // One request (downloadToBuffer would ask for the properties first); the SDK resumes a broken stream itself.
      const response = await this.client.getBlobClient(blob).download(0, undefined, { abortSignal: signal });
      const chunks: Buffer[] = [];
      for await (const chunk of response.readableStreamBody ?? []) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks);
    } catch (error) {
      throw claimErrorFrom(error, `read claim blob ${this.container}/${blob}`);
    }
  }
}
