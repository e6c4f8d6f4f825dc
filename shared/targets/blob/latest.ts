/**
 * latest mode: one blob per document, written only when the event is strictly newer than the version in the blob's
 * metadata. Every write is conditional (If-Match on an etag, or If-None-Match: * for a blob thought absent), so a
 * concurrent writer can never be overwritten by an older version: losing the race means read again.
 *
 * The first write is a guess from what this process last wrote or read (`KnownVersions`, by blob name): create a
 * blob it has not seen, replace one it knows with its known etag, and call an event no newer than the known version
 * stale without asking. Only a wrong guess (the blob existed, changed, or is leased) costs a read (HEAD) and a second
 * write, so new documents and updates of documents written recently take one request instead of two.
 */
import type { BlobGetPropertiesResponse, BlockBlobClient, ContainerClient } from '@azure/storage-blob';
import type { ChangeEvent } from '../../events/envelope.js';
import { isNewer } from '../coalesce.js';
import type { Projection } from '../projection.js';
import type { KnownVersions } from '../known-versions.js';
import { TargetError, type ApplyOutcome } from '../target.js';
import { latestBody, versionFromMetadata, versionMetadata } from './document.js';
import {
  failedOutcome,
  isLeaseConflict,
  isLostRace,
  rejected,
  storageFailureOf,
  type StorageFailure,
} from './errors.js';
import { latestBlobName } from './naming.js';
import { messageOf } from '../../errors.js';

/** How often one blob's write is retried after losing a race before the batch is retried instead. */
const MAX_RACE_RETRIES = 5;

export interface LatestWriteOptions {
  prefix: string;
  project: Projection | undefined;
}

type Conditions = { ifMatch: string } | { ifNoneMatch: '*' };

/** The upload's new etag, or why it failed. */
async function upload(
  blob: BlockBlobClient,
  body: Buffer,
  event: ChangeEvent,
  conditions: Conditions,
): Promise<{ etag: string | undefined } | { failure: StorageFailure; error: unknown }> {
  try {
    const response = await blob.upload(body, body.length, {
      metadata: versionMetadata(event),
      blobHTTPHeaders: { blobContentType: 'application/json; charset=utf-8' },
      conditions,
    });
    return { etag: response.etag };
  } catch (error) {
    return { failure: storageFailureOf(error), error };
  }
}

/** The guess was wrong: the blob exists, changed, is gone or is leased. The careful path sorts out which. */
const guessedWrong = (failure: StorageFailure): boolean =>
  isLostRace(failure) || isLeaseConflict(failure) || (failure.status === 404 && failure.code === 'BlobNotFound');

export async function writeLatest(
  container: ContainerClient,
  event: ChangeEvent,
  options: LatestWriteOptions,
  known: KnownVersions,
  readThrough = false,
): Promise<ApplyOutcome> {
  let body: Buffer;
  try {
    body = Buffer.from(latestBody(event, options.project), 'utf8');
  } catch (error) {
    return rejected(event, 'PROJECTION_FAILED', `projection failed: ${messageOf(error)}`, error);
  }
  const name = latestBlobName(options.prefix, event);
  const blob = container.getBlockBlobClient(name);
  // Sent on purpose because the blob may differ from what this process wrote: no known-version shortcut.
  if (readThrough) known.forget(name);
  const cached = known.get(name);
  if (cached && !isNewer(event.version, cached.version)) return { eventId: event.eventId, status: 'stale' };
  const guess = await upload(blob, body, event, cached ? { ifMatch: cached.etag } : { ifNoneMatch: '*' });
  if ('etag' in guess) {
    if (guess.etag) known.set(name, { etag: guess.etag, version: event.version });
    return { eventId: event.eventId, status: 'applied' };
  }
  if (!guessedWrong(guess.failure))
    return failedOutcome(event, `write of ${event.documentId}`, guess.failure, guess.error);
  known.forget(name);
  return readThenWrite(blob, body, event, name, known);
}

/** The careful path: read the blob's version, decide, and write conditionally on what was read. */
async function readThenWrite(
  blob: BlockBlobClient,
  body: Buffer,
  event: ChangeEvent,
  name: string,
  known: KnownVersions,
): Promise<ApplyOutcome> {
  for (let attempt = 0; attempt <= MAX_RACE_RETRIES; attempt += 1) {
    let current: BlobGetPropertiesResponse | undefined;
    try {
      current = await blob.getProperties();
    } catch (error) {
      const failure = storageFailureOf(error);
      // A HEAD response has no body, so a missing blob and a missing container are both a bare 404. The container is
      // checked at open; if it was deleted since, the conditional create below reports ContainerNotFound.
      if (failure.status !== 404) return failedOutcome(event, `read of ${event.documentId}`, failure, error);
    }
    const stored = versionFromMetadata(current?.metadata);
    if (current?.etag && stored) known.set(name, { etag: current.etag, version: stored });
    if (!isNewer(event.version, stored)) return { eventId: event.eventId, status: 'stale' };
    const written = await upload(blob, body, event, current?.etag ? { ifMatch: current.etag } : { ifNoneMatch: '*' });
    if ('etag' in written) {
      if (written.etag) known.set(name, { etag: written.etag, version: event.version });
      else known.forget(name);
      return { eventId: event.eventId, status: 'applied' };
    }
    const { failure, error } = written;
    known.forget(name);
    if (isLostRace(failure)) continue;
    if (!isLeaseConflict(failure)) return failedOutcome(event, `write of ${event.documentId}`, failure, error);
    // Someone holds a lease on this blob. A fixed lease ends within 60 s: retry the batch later. An infinite one
    // stays until it is broken: only this event is set aside as poison, to be replayed once an operator breaks it.
    if (current?.leaseDuration !== 'infinite') {
      throw TargetError.transient('BLOB_LEASED', `blob of ${event.documentId} is leased; retry later`, error);
    }
    return rejected(event, 'BLOB_LEASED', `blob of ${event.documentId} has an infinite lease held elsewhere`, error);
  }
  throw TargetError.transient(
    'BLOB_TARGET_CONTENTION',
    `blob of ${event.documentId} kept changing during ${MAX_RACE_RETRIES + 1} attempts`,
  );
}
