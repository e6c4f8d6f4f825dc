/**
 * Checkpoints of the operations commands: one JSON blob each in AzureWebJobsStorage (container `cosmos-sync-ops`),
 * beside the app's own state but apart from the live trigger's leases. Every write is conditional on the version this
 * run read or wrote last, so two runs of the same command cannot overwrite each other's progress unnoticed.
 */
import type { ContainerClient } from '@azure/storage-blob';
import { createBlobServiceClient } from '../../shared/clients/blobs.js';
import type { ResolvedStorageConnection } from '../../shared/config/storage.js';
import { CosmosSyncError, messageOf, statusOf } from '../../shared/errors.js';

export const OPS_CONTAINER = 'cosmos-sync-ops';

export class CheckpointError extends CosmosSyncError {
  readonly retryable: boolean;
  constructor(
    readonly code: 'CHECKPOINT_UNAVAILABLE' | 'CHECKPOINT_CONFLICT' | 'CHECKPOINT_INVALID',
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.retryable = code === 'CHECKPOINT_UNAVAILABLE';
  }
}

export class CheckpointStore {
  private ready: Promise<unknown> | undefined;
  /** The version this process read or wrote last, per blob: the condition of the next write. */
  private readonly etags = new Map<string, string | undefined>();

  constructor(private readonly container: ContainerClient) {}

  static for(storage: ResolvedStorageConnection): CheckpointStore {
    return new CheckpointStore(createBlobServiceClient(storage).getContainerClient(OPS_CONTAINER));
  }

  /** Where a checkpoint lives, for messages. */
  where(name: string): string {
    return `${this.container.accountName}/${OPS_CONTAINER}/${name}`;
  }

  async read(name: string): Promise<unknown> {
    try {
      // One request for body and etag, so the etag is the version of exactly this body.
      const download = await this.container.getBlockBlobClient(name).download();
      const text = await readAll(download.readableStreamBody);
      this.etags.set(name, download.etag);
      try {
        return JSON.parse(text) as unknown;
      } catch (error) {
        throw new CheckpointError('CHECKPOINT_INVALID', `${this.where(name)} is not JSON: ${messageOf(error)}`);
      }
    } catch (error) {
      if (error instanceof CheckpointError) throw error;
      if (statusOf(error) === 404) {
        this.etags.set(name, undefined);
        return undefined;
      }
      throw this.unavailable('read', name, error);
    }
  }

  /** Writes `value` if the blob is still as this process last saw it (absent, or the same etag). */
  async write(name: string, value: unknown): Promise<void> {
    this.ready ??= this.container.createIfNotExists().catch((error: unknown) => {
      this.ready = undefined;
      throw this.unavailable('create the container for', name, error);
    });
    await this.ready;
    if (!this.etags.has(name)) await this.read(name);
    const etag = this.etags.get(name);
    const text = `${JSON.stringify(value, null, 2)}\n`;
    try {
      const response = await this.container.getBlockBlobClient(name).upload(text, Buffer.byteLength(text), {
        blobHTTPHeaders: { blobContentType: 'application/json' },
        conditions: etag === undefined ? { ifNoneMatch: '*' } : { ifMatch: etag },
      });
      this.etags.set(name, response.etag);
    } catch (error) {
      const status = statusOf(error);
      if (status === 412 || status === 409) {
        throw new CheckpointError(
          'CHECKPOINT_CONFLICT',
          `${this.where(name)} was changed by someone else while this command ran (is the same command running ` +
            'elsewhere?); stop the other run, then run this command again to resume from what is saved',
          { cause: error },
        );
      }
      throw this.unavailable('write', name, error);
    }
  }

  private unavailable(what: string, name: string, error: unknown): CheckpointError {
    return new CheckpointError(
      'CHECKPOINT_UNAVAILABLE',
      `cannot ${what} the checkpoint ${this.where(name)} (AzureWebJobsStorage): ${messageOf(error)}`,
      { cause: error },
    );
  }
}

async function readAll(stream: NodeJS.ReadableStream | undefined): Promise<string> {
  if (stream === undefined) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}
