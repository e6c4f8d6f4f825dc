/**
 * latest mode: one blob per document, written only when the event is strictly newer than the version in the blob's
 * metadata. The write is conditional on what was read (If-Match on the etag, or If-None-Match: * when the blob was
 * absent), so a concurrent writer can never be overwritten by an older version: losing the race means read again.
 */
import type { BlobGetPropertiesResponse, ContainerClient } from '@azure/storage-blob';
import type { ChangeEvent } from '../../events/envelope.js';
import { isNewer } from '../coalesce.js';
import type { Projection } from '../cosmos/document.js';
import { TargetError, type ApplyOutcome } from '../target.js';
import { latestBody, versionFromMetadata, versionMetadata } from './document.js';
import { failedOutcome, isLeaseConflict, isLostRace, rejected, storageFailureOf } from './errors.js';
import { latestBlobName } from './naming.js';

/** How often one blob's write is retried after losing a race before the batch is retried instead. */
const MAX_RACE_RETRIES = 5;

export interface LatestWriteOptions {
  prefix: string;
  project: Projection | undefined;
}

export async function writeLatest(
  container: ContainerClient,
  event: ChangeEvent,
  options: LatestWriteOptions,
): Promise<ApplyOutcome> {
  let body: Buffer;
  try {
    body = Buffer.from(latestBody(event, options.project), 'utf8');
  } catch (error) {
    return rejected(event, 'PROJECTION_FAILED', `projection failed: ${(error as Error).message}`, error);
  }
  const blob = container.getBlockBlobClient(latestBlobName(options.prefix, event));
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
    if (!isNewer(event.version, versionFromMetadata(current?.metadata)))
      return { eventId: event.eventId, status: 'stale' };
    try {
      await blob.upload(body, body.length, {
        metadata: versionMetadata(event),
        blobHTTPHeaders: { blobContentType: 'application/json; charset=utf-8' },
        conditions: current?.etag ? { ifMatch: current.etag } : { ifNoneMatch: '*' },
      });
      return { eventId: event.eventId, status: 'applied' };
    } catch (error) {
      const failure = storageFailureOf(error);
      if (isLostRace(failure)) continue;
      if (!isLeaseConflict(failure)) return failedOutcome(event, `write of ${event.documentId}`, failure, error);
      // Someone holds a lease on this blob. A fixed lease ends within 60 s: retry the batch later. An infinite one
      // stays until it is broken: only this event is dead-lettered, to be resubmitted once an operator breaks it.
      if (current?.leaseDuration !== 'infinite') {
        throw TargetError.transient('BLOB_LEASED', `blob of ${event.documentId} is leased; retry later`, error);
      }
      return rejected(event, 'BLOB_LEASED', `blob of ${event.documentId} has an infinite lease held elsewhere`, error);
    }
  }
  throw TargetError.transient(
    'BLOB_TARGET_CONTENTION',
    `blob of ${event.documentId} kept changing during ${MAX_RACE_RETRIES + 1} attempts`,
  );
}
