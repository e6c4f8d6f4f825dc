/**
 * Reading back an archive-mode Blob target: what it "holds" for a document is the newest version archived for it.
 * Archive names say nothing about the document (they are the event's), so the newest version per document comes
 * from one pass over the source's folder: one listing call per 5,000 blobs with metadata, which names the document
 * (`documentid`, `partitionkey`) and the version. Blobs archived before the metadata named the document (or whose
 * id and key were too long for it) are downloaded once; their refs are kept, since archive blobs never change.
 *
 * `listDocuments` makes a fresh pass every time. `readVersions` answers from the last pass of that source when it is
 * younger than `maxAgeMs`, else makes a new one; events this process archives meanwhile are added to it as they are
 * written, so only other writers' events can be up to `maxAgeMs` late.
 */
import type { BlobItem, ContainerClient } from '@azure/storage-blob';
import type { ChangeEvent, PartitionKeyValue } from '../../events/envelope.js';
import { throwIfShuttingDown } from '../../lifecycle/shutdown.js';
import { mapBounded } from '../../map-bounded.js';
import { chunk, groupBySource, newerHeld, refKey, refOf } from '../read-back.js';
import type { DocumentRef, HeldDocument, HeldVersion } from '../target.js';
import { refFromMetadata } from './document.js';
import { heldFromMetadata, readFailure } from './read-back.js';
import { isArchiveBlobName, sourceFolder } from './naming.js';

export interface ArchiveIndexOptions {
  prefix: string;
  concurrency: number;
  maxAgeMs: number;
  now?: () => number;
}

interface Pass {
  at: number;
  /** The newest version archived per document, by `refKey`. */
  newest: Map<string, HeldDocument>;
}

export class ArchiveIndex {
  private readonly passes = new Map<string, Pass>();
  /** Refs read from the bodies of blobs whose metadata does not name their document, by blob name. */
  private readonly bodyRefs = new Map<string, DocumentRef | null>();

  constructor(
    private readonly container: ContainerClient,
    private readonly options: ArchiveIndexOptions,
  ) {}

  /** The newest version per document of `source`; `fresh` forces a new pass. */
  private async newest(source: string, fresh: boolean, signal?: AbortSignal): Promise<Map<string, HeldDocument>> {
    const now = (this.options.now ?? Date.now)();
    const last = this.passes.get(source);
    if (!fresh && last && now - last.at < this.options.maxAgeMs) return last.newest;
    const newest = await this.pass(source, signal);
    this.passes.set(source, { at: now, newest });
    return newest;
  }

  async readVersions(refs: readonly DocumentRef[], signal?: AbortSignal): Promise<Array<HeldVersion | undefined>> {
    const answers = new Array<HeldVersion | undefined>(refs.length).fill(undefined);
    for (const [source, entries] of groupBySource(refs)) {
      const newest = await this.newest(source, false, signal);
      for (const { index, ref } of entries) {
        const held = newest.get(refKey(ref));
        answers[index] = held && { version: held.version, deleted: held.deleted };
      }
    }
    return answers;
  }

  async *list(source: string, pageSize: number, signal?: AbortSignal): AsyncIterable<HeldDocument[]> {
    yield* chunk([...(await this.newest(source, true, signal)).values()], pageSize);
  }

  /** Adds an event this process archived to the last pass of its source, if there is one. */
  noteArchived(event: ChangeEvent): void {
    const pass = this.passes.get(event.source.name);
    if (!pass) return;
    const key = refKey(refOf(event));
    const candidate = { ...refOf(event), version: event.version, deleted: event.operation === 'delete' };
    pass.newest.set(key, newerHeld(pass.newest.get(key), candidate));
  }

  private async pass(source: string, signal?: AbortSignal): Promise<Map<string, HeldDocument>> {
    const folder = sourceFolder(this.options.prefix, source);
    const newest = new Map<string, HeldDocument>();
    const listing = this.container
      .listBlobsFlat({ prefix: folder, includeMetadata: true, abortSignal: signal })
      .byPage({ maxPageSize: 5_000 });
    for (;;) {
      throwIfShuttingDown(signal);
      let next: IteratorResult<{ segment: { blobItems: BlobItem[] } }>;
      try {
        next = await listing.next();
      } catch (error) {
        throw readFailure(`listing of source ${source}`, error, signal);
      }
      if (next.done) return newest;
      const items = next.value.segment.blobItems.filter((item) => isArchiveBlobName(folder, item.name));
      const documents = await mapBounded(items, this.options.concurrency, (item) =>
        this.documentOf(item, source, signal),
      );
      for (const document of documents) {
        if (document?.source !== source) continue;
        const key = refKey(document);
        newest.set(key, newerHeld(newest.get(key), document));
      }
    }
  }

  /** The document and version of an archive blob in `source`'s folder (a body names its source, too). */
  private async documentOf(item: BlobItem, source: string, signal?: AbortSignal): Promise<HeldDocument | undefined> {
    const held = heldFromMetadata(item.metadata);
    if (!held) return undefined;
    const named = refFromMetadata(item.metadata);
    const ref = named ? { ...named, source } : await this.refFromBody(item.name, signal);
    return ref && { source: ref.source, documentId: ref.documentId, partitionKey: ref.partitionKey, ...held };
  }

  private async refFromBody(name: string, signal?: AbortSignal): Promise<DocumentRef | undefined> {
    const known = this.bodyRefs.get(name);
    if (known !== undefined) return known ?? undefined;
    let text: string;
    try {
      text = (
        await this.container.getBlobClient(name).downloadToBuffer(0, undefined, { abortSignal: signal })
      ).toString();
    } catch (error) {
      throw readFailure(`read of ${name}`, error, signal);
    }
    const ref = refOfLine(text);
    this.bodyRefs.set(name, ref ?? null);
    return ref;
  }
}

/** The document an archived line is about; undefined for a line this target did not write. */
function refOfLine(text: string): DocumentRef | undefined {
  try {
    const line = JSON.parse(text) as { source?: { name?: unknown }; documentId?: unknown; partitionKey?: unknown };
    const source = line.source?.name;
    if (typeof source !== 'string' || typeof line.documentId !== 'string' || line.partitionKey === undefined) {
      return undefined;
    }
    return { source, documentId: line.documentId, partitionKey: line.partitionKey as PartitionKeyValue };
  } catch {
    return undefined;
  }
}
