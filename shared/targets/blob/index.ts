/**
 * Blob storage target, in one of two modes (see config.ts): `latest`, a version-guarded copy with one JSON blob per
 * document (latest.ts), or `archive`, an append-only NDJSON log with one blob per event (archive.ts). Blob naming is
 * in naming.ts, failure classification in errors.ts. Blobs of one batch are written in parallel, bounded.
 */
import type { ContainerClient } from '@azure/storage-blob';
import type { ResolvedStorageConnection } from '../../config/storage.js';
import type { ChangeEvent } from '../../events/envelope.js';
import type { Projection } from '../projection.js';
import { KnownVersions } from '../known-versions.js';
import { TargetError, type ApplyOutcome, type Target } from '../target.js';
import { writeArchive } from './archive.js';
import { mapBounded } from '../../map-bounded.js';
import { blobContainerClient } from './client.js';
import type { BlobTargetConfig } from './config.js';
import { isTransientFailure, storageFailureOf } from './errors.js';
import { writeLatest } from './latest.js';
import { throwIfShuttingDown } from '../../lifecycle/shutdown.js';

export interface BlobTargetOptions {
  name: string;
  container: ContainerClient;
  mode: 'latest' | 'archive';
  /** Folder every blob name starts with, without slashes at either end; '' for the container root. */
  prefix: string;
  createIfNotExists: boolean;
  /** Blobs written in parallel within one batch. */
  concurrency: number;
  project?: Projection | undefined;
  /** Clock for `archivedAt`; injectable for tests. */
  now?: () => Date;
}

export class BlobTarget implements Target {
  readonly name: string;
  /** The archive is a log: every version is written, not only the newest of a batch. */
  readonly appliesEveryVersion: boolean;
  private opened = false;
  private containerReady: Promise<void> | undefined;
  /** Etags and versions of the latest-mode blobs this process wrote or read last, so most writes need no read. */
  private readonly known = new KnownVersions();

  constructor(private readonly options: BlobTargetOptions) {
    this.name = options.name;
    this.appliesEveryVersion = options.mode === 'archive';
  }

  async open(): Promise<void> {
    await this.ensureContainer();
    this.opened = true;
  }

  async applyBatch(events: readonly ChangeEvent[], signal?: AbortSignal): Promise<ApplyOutcome[]> {
    // Its client cannot cancel a request in flight: a shutdown stops it before it starts, or the batch runs its course.
    throwIfShuttingDown(signal);
    if (!this.opened) throw TargetError.transient('BLOB_TARGET_NOT_OPEN', `target ${this.name} is not open`);
    // Normally settled at open; after a ContainerNotFound it runs again, so a deleted container is recreated.
    await this.ensureContainer();
    const { container, mode, prefix, project, concurrency } = this.options;
    const now = this.options.now ?? (() => new Date());
    try {
      return await mapBounded(events, concurrency, (event) =>
        mode === 'latest'
          ? writeLatest(container, event, { prefix, project }, this.known)
          : writeArchive(container, event, { prefix, project, now }),
      );
    } catch (error) {
      if (error instanceof TargetError && error.code === 'BLOB_CONTAINER_MISSING') this.containerReady = undefined;
      throw error;
    }
  }

  async close(): Promise<void> {
    // The SDK client holds no resources of its own beyond pooled sockets, which the process owns.
    this.opened = false;
    this.containerReady = undefined;
  }

  private ensureContainer(): Promise<void> {
    this.containerReady ??= this.prepareContainer().catch((error: unknown) => {
      this.containerReady = undefined;
      throw error;
    });
    return this.containerReady;
  }

  private async prepareContainer(): Promise<void> {
    const { container, createIfNotExists } = this.options;
    let exists: boolean;
    try {
      exists = createIfNotExists ? (await container.createIfNotExists(), true) : await container.exists();
    } catch (error) {
      const failure = storageFailureOf(error);
      const message = `cannot open container ${container.containerName}: ${failure.message}`;
      if (isTransientFailure(failure)) throw TargetError.transient('BLOB_TARGET_UNAVAILABLE', message, error);
      throw TargetError.permanent(`BLOB_TARGET_${failure.status}`, message, error);
    }
    if (!exists) {
      throw TargetError.permanent(
        'BLOB_TARGET_MISSING',
        `container ${container.containerName} does not exist and createIfNotExists is false`,
      );
    }
  }
}

export interface BlobTargetDeps {
  /** The resolved `config.connection` (the registry has it from `AppConfig.storageConnections`). */
  connection: ResolvedStorageConnection;
  project?: Projection;
  now?: () => Date;
}

export function createBlobTarget(config: BlobTargetConfig, deps: BlobTargetDeps): BlobTarget {
  return new BlobTarget({
    name: config.name,
    container: blobContainerClient(deps.connection, config.container, {
      attempts: config.requestAttempts,
      timeoutMs: config.requestTimeoutMs,
    }),
    mode: config.mode,
    prefix: config.prefix,
    createIfNotExists: config.createIfNotExists,
    concurrency: config.concurrency,
    project: deps.project,
    now: deps.now,
  });
}

export { blobTargetSchema, type BlobTargetConfig } from './config.js';
