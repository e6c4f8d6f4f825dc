/**
 * Reading back a latest-mode Blob target (for `cosmos-sync verify`). Versions of given refs: one HEAD per document
 * (its name is a function of the ref), `concurrency` in flight, the version from metadata. The listing of a source:
 * one listing call per page (`includeMetadata`, `pageSize` names) of the source's folder, each name decoded back into
 * its ref; only a blob under a hashed name (an id or key too long for a name) is downloaded, since its body is the
 * only place that spells the ref.
 */
import type { BlobItem, ContainerClient } from '@azure/storage-blob';
import type { PartitionKeyValue } from '../../events/envelope.js';
import { throwIfShuttingDown } from '../../lifecycle/shutdown.js';
import { mapBounded } from '../../map-bounded.js';
import { TargetError, type DocumentRef, type HeldDocument, type HeldVersion } from '../target.js';
import { versionFromMetadata } from './document.js';
import { isTransientFailure, storageFailureOf, storeUnavailable } from './errors.js';
import { latestBlobName, parseLatestBlobName, sourceFolder } from './naming.js';

export interface ReadOptions {
  prefix: string;
  concurrency: number;
  pageSize: number;
}

/** A failure of a read: transient for the store's trouble, permanent otherwise (403 and the like). */
export function readFailure(what: string, error: unknown, signal: AbortSignal | undefined): TargetError {
  throwIfShuttingDown(signal);
  const failure = storageFailureOf(error);
  if (isTransientFailure(failure) || failure.status === 404) return storeUnavailable(what, failure, error);
  return TargetError.permanent(`BLOB_${failure.status}`, `${what} failed: ${failure.message}`, error);
}

/** What a blob's metadata says it holds; undefined for a blob this target did not write. */
export function heldFromMetadata(metadata: Record<string, string> | undefined): HeldVersion | undefined {
  const version = versionFromMetadata(metadata);
  return version && { version, deleted: metadata?.['deleted'] === 'true' };
}

export async function readLatestVersions(
  container: ContainerClient,
  refs: readonly DocumentRef[],
  options: ReadOptions,
  signal?: AbortSignal,
): Promise<Array<HeldVersion | undefined>> {
  const names = refs.map((ref) => latestBlobName(options.prefix, { ...ref, source: { name: ref.source } }));
  const unique = [...new Set(names)];
  const answers = await mapBounded(unique, options.concurrency, async (name) => {
    throwIfShuttingDown(signal);
    try {
      return heldFromMetadata((await container.getBlobClient(name).getProperties({ abortSignal: signal })).metadata);
    } catch (error) {
      // A HEAD has no body, so a missing blob is a bare 404 (a missing container too; open() made sure of it).
      if (storageFailureOf(error).status === 404) return undefined;
      throw readFailure(`read of ${name}`, error, signal);
    }
  });
  const byName = new Map(unique.map((name, index) => [name, answers[index]]));
  return names.map((name) => byName.get(name));
}

/** The ref a latest-mode body names (id and `_sync`); undefined for a body this target did not write. */
async function refFromBody(
  container: ContainerClient,
  name: string,
  signal?: AbortSignal,
): Promise<DocumentRef | undefined> {
  let text: string;
  try {
    text = (await container.getBlobClient(name).downloadToBuffer(0, undefined, { abortSignal: signal })).toString();
  } catch (error) {
    throw readFailure(`read of ${name}`, error, signal);
  }
  try {
    const { id, _sync: sync } = JSON.parse(text) as {
      id?: unknown;
      _sync?: { source?: unknown; partitionKey?: unknown };
    };
    if (typeof id !== 'string' || typeof sync?.source !== 'string' || sync.partitionKey === undefined) return undefined;
    return { source: sync.source, documentId: id, partitionKey: sync.partitionKey as PartitionKeyValue };
  } catch {
    return undefined;
  }
}

async function heldOfItem(
  container: ContainerClient,
  prefix: string,
  item: BlobItem,
  signal?: AbortSignal,
): Promise<HeldDocument | undefined> {
  const held = heldFromMetadata(item.metadata);
  const parsed = parseLatestBlobName(prefix, item.name);
  if (!held || !parsed) return undefined;
  const ref = parsed.kind === 'readable' ? parsed : await refFromBody(container, item.name, signal);
  return ref && { source: ref.source, documentId: ref.documentId, partitionKey: ref.partitionKey, ...held };
}

export async function* listLatest(
  container: ContainerClient,
  source: string,
  options: ReadOptions,
  signal?: AbortSignal,
): AsyncIterable<HeldDocument[]> {
  const listing = container
    .listBlobsFlat({ prefix: sourceFolder(options.prefix, source), includeMetadata: true, abortSignal: signal })
    .byPage({ maxPageSize: options.pageSize });
  for (;;) {
    let next: IteratorResult<{ segment: { blobItems: BlobItem[] } }>;
    try {
      next = await listing.next();
    } catch (error) {
      throw readFailure(`listing of source ${source}`, error, signal);
    }
    if (next.done) return;
    const items = next.value.segment.blobItems;
    const held = await mapBounded(items, options.concurrency, (item) =>
      heldOfItem(container, options.prefix, item, signal),
    );
    // The source's folder may hold blobs written by others (or the other mode's): they are not this target's.
    const page = held.filter((document): document is HeldDocument => document?.source === source);
    if (page.length > 0) yield page;
  }
}
