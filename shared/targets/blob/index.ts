/**
 * Blob storage target, in one of two modes (see config.ts): `latest`, a version-guarded copy with one JSON blob per
 * document (latest.ts), or `archive`, an append-only NDJSON log with one blob per event (archive.ts). Blob naming is
 * in naming.ts, failure classification in errors.ts. Blobs of one batch are written in parallel, bounded. Reading
 * back for verify: read-back.ts (latest), archive-index.ts (archive: the newest version archived per document).
 */
import type { ContainerClient } from '@azure/storage-blob';
import type { ResolvedStorageConnection } from '../../config/storage.js';
import type { ChangeEvent } from '../../events/envelope.js';
import type { Projection } from '../projection.js';
import { KnownVersions } from '../known-versions.js';
import {
  TargetError,
  type ApplyOptions,
  type ApplyOutcome,
  type DocumentRef,
  type HeldDocument,
  type HeldVersion,
  type Target,
} from '../target.js';
import { checkedPageSize } from '../read-back.js';
import { ArchiveIndex } from './archive-index.js';
import { listLatest, readLatestVersions, type ReadOptions } from './read-back.js';
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
  /** Blob names per listing call of `listDocuments` (at most 5,000, the service's limit). */
  readPageSize?: number;
  /** archive mode: how long `readVersions` reuses a pass over a source's archive (see archive-index.ts). */
  archiveIndexMaxAgeMs?: number;
}

export class BlobTarget implements Target {
  readonly name: string;
  /** The archive is a log: every version is written, not only the newest of a batch. */
  readonly appliesEveryVersion: boolean;
  private opened = false;
  private containerReady: Promise<void> | undefined;
  /** Etags and versions of the latest-mode blobs this process wrote or read last, so most writes need no read. */
  private readonly known = new KnownVersions();
  private readonly reads: ReadOptions;
  /** archive mode only: the newest version archived per document, for reading back. */
  private readonly archive: ArchiveIndex | undefined;

  constructor(private readonly options: BlobTargetOptions) {
    this.name = options.name;
    this.appliesEveryVersion = options.mode === 'archive';
    const { prefix, concurrency, container } = options;
    this.reads = { prefix, concurrency, pageSize: checkedPageSize(options.readPageSize, 5_000) };
    const maxAgeMs = options.archiveIndexMaxAgeMs ?? 60_000;
    this.archive =
      options.mode === 'archive' ? new ArchiveIndex(container, { prefix, concurrency, maxAgeMs }) : undefined;
  }

  async open(): Promise<void> {
    await this.ensureContainer();
    this.opened = true;
  }

  async applyBatch(
    events: readonly ChangeEvent[],
    signal?: AbortSignal,
    options?: ApplyOptions,
  ): Promise<ApplyOutcome[]> {
    // Its client cannot cancel a request in flight: a shutdown stops it before it starts, or the batch runs its course.
    throwIfShuttingDown(signal);
    this.checkOpen();
    // Normally settled at open; after a ContainerNotFound it runs again, so a deleted container is recreated.
    await this.ensureContainer();
    const { container, mode, prefix, project, concurrency } = this.options;
    const now = this.options.now ?? (() => new Date());
    try {
      const outcomes = await mapBounded(events, concurrency, (event) =>
        mode === 'latest'
          ? writeLatest(container, event, { prefix, project }, this.known, options?.readThrough?.has(event.eventId))
          : writeArchive(container, event, { prefix, project, now }),
      );
      // Archived (now or before: stale) events are what reading back must see, without waiting for the next pass.
      events.forEach((event, index) => {
        if (outcomes[index]?.status !== 'rejected') this.archive?.noteArchived(event);
      });
      return outcomes;
    } catch (error) {
      if (error instanceof TargetError && error.code === 'BLOB_CONTAINER_MISSING') this.containerReady = undefined;
      throw error;
    }
  }

  async readVersions(refs: readonly DocumentRef[], signal?: AbortSignal): Promise<Array<HeldVersion | undefined>> {
    this.checkOpen();
    if (this.archive) return this.archive.readVersions(refs, signal);
    return readLatestVersions(this.options.container, refs, this.reads, signal);
  }

  async *listDocuments(source: string, signal?: AbortSignal): AsyncIterable<HeldDocument[]> {
    this.checkOpen();
    if (this.archive) yield* this.archive.list(source, this.reads.pageSize, signal);
    else yield* listLatest(this.options.container, source, this.reads, signal);
  }

  async close(): Promise<void> {
    // The SDK client holds no resources of its own beyond pooled sockets, which the process owns.
    this.opened = false;
    this.containerReady = undefined;
  }

  private checkOpen(): void {
    if (!this.opened) throw TargetError.transient('BLOB_TARGET_NOT_OPEN', `target ${this.name} is not open`);
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
  /** Blob names per listing call when reading back; default 1,000. */
  readPageSize?: number;
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
    readPageSize: deps.readPageSize,
  });
}

export { blobTargetSchema, type BlobTargetConfig } from './config.js';
