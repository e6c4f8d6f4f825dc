/**
 * archive mode: an append-only log for data lakes, one NDJSON blob per event under the hour of its source `_ts`.
 *
 * Why one blob per event rather than one per batch: a batch file named by a hash of its contents is only skipped when
 * a redelivery groups exactly the same events, and Service Bus redelivers an unsettled session with whatever arrived
 * since, so the usual redelivery (the write succeeded, the settlement did not) would duplicate the whole batch. Here
 * the name is a function of the event alone and the write is a create-only `If-None-Match: *`, so an event can never
 * be stored twice, however it is redelivered, regrouped or retried after a lost response. The cost is one write per
 * event (as in latest mode) and many small files, which a lake compaction job can merge (see the docs).
 */
import type { ContainerClient } from '@azure/storage-blob';
import type { ChangeEvent } from '../../events/envelope.js';
import type { Projection } from '../projection.js';
import type { ApplyOutcome } from '../target.js';
import { archiveLine, refMetadata, versionMetadata } from './document.js';
import { failedOutcome, rejected, storageFailureOf } from './errors.js';
import { archiveBlobName } from './naming.js';
import { messageOf } from '../../errors.js';

export interface ArchiveWriteOptions {
  prefix: string;
  project: Projection | undefined;
  now: () => Date;
}

export async function writeArchive(
  container: ContainerClient,
  event: ChangeEvent,
  options: ArchiveWriteOptions,
): Promise<ApplyOutcome> {
  let name: string;
  let body: Buffer;
  try {
    name = archiveBlobName(options.prefix, event);
  } catch (error) {
    return rejected(event, 'BLOB_BAD_TIMESTAMP', messageOf(error), error);
  }
  try {
    body = Buffer.from(archiveLine(event, options.now(), options.project), 'utf8');
  } catch (error) {
    return rejected(event, 'PROJECTION_FAILED', `projection failed: ${messageOf(error)}`, error);
  }
  try {
    await container.getBlockBlobClient(name).upload(body, body.length, {
      metadata: { ...versionMetadata(event), ...refMetadata(event) },
      blobHTTPHeaders: { blobContentType: 'application/x-ndjson; charset=utf-8' },
      conditions: { ifNoneMatch: '*' },
    });
    return { eventId: event.eventId, status: 'applied' };
  } catch (error) {
    const failure = storageFailureOf(error);
    // Already archived (a redelivery, or a retry after a response was lost): nothing to do, nothing changed.
    if (failure.status === 409 && failure.code === 'BlobAlreadyExists')
      return { eventId: event.eventId, status: 'stale' };
    return failedOutcome(event, `archive of ${event.documentId}`, failure, error);
  }
}
