/**
 * The batched path of the Cosmos DB target: one bulk read of every document in the batch, then one bulk write of the
 * newer ones, each write conditional on the etag just read (or a create where nothing was there). A bulk request
 * carries up to 100 operations, so a batch costs a few requests instead of two per document; it is also how Cosmos DB
 * recommends writing at volume. Operations that lost a race (409/412) are handed back for the one-by-one path.
 */
import type { Container, JSONObject, OperationInput, OperationResponse } from '@azure/cosmos';
import type { ChangeEvent } from '../../events/envelope.js';
import { isNewer } from '../coalesce.js';
import { TargetError, type ApplyOutcome } from '../target.js';
import { targetKeyValue, versionOf, type TargetDocument } from './document.js';

export interface BulkItem {
  event: ChangeEvent;
  document: TargetDocument;
}

export interface BulkResult {
  outcomes: Map<string, ApplyOutcome>;
  /** Items whose conditional write lost a race (or could not be sent in bulk); the caller applies them one by one. */
  contended: BulkItem[];
}

/** Status codes that mean "the service cannot take it now", as opposed to "this document is refused". */
export function isTransientStatus(status: number | undefined): boolean {
  return status === undefined || status === 408 || status === 429 || status === 449 || status === 410 || status >= 500;
}

function transient(what: string, error: unknown): TargetError {
  return TargetError.transient('COSMOS_TARGET_UNAVAILABLE', `${what} failed: ${(error as Error).message}`, error);
}

/** Raised when the service refuses a whole bulk request as too large: one document in it is over the limit. */
class BulkTooLarge extends Error {}

/** `items.bulk` takes at most 100 operations per partition key range in one call. */
const BULK_CHUNK = 100;
const PARALLEL_CHUNKS = 4;

async function bulkOnce(container: Container, operations: OperationInput[]): Promise<OperationResponse[]> {
  const chunks: OperationInput[][] = [];
  for (let start = 0; start < operations.length; start += BULK_CHUNK)
    chunks.push(operations.slice(start, start + BULK_CHUNK));
  const responses: OperationResponse[][] = new Array(chunks.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < chunks.length) {
      const index = next;
      next += 1;
      responses[index] = await container.items.bulk(chunks[index] as OperationInput[], { continueOnError: true });
    }
  };
  await Promise.all(Array.from({ length: Math.min(PARALLEL_CHUNKS, chunks.length) }, worker));
  return responses.flat();
}

/** The SDK wraps a refused bulk request in an error without a status code; the service's message names it. */
function isTooLarge(error: unknown): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown };
  return code === 413 || (typeof message === 'string' && /request size is too large|entity too large/i.test(message));
}

async function bulk(container: Container, operations: OperationInput[], what: string): Promise<OperationResponse[]> {
  if (operations.length === 0) return [];
  let responses: OperationResponse[];
  try {
    try {
      responses = await bulkOnce(container, operations);
    } catch (error) {
      // After an outage the first request often meets a pooled socket the server already closed; one more try
      // on a fresh socket tells a dead store from a dead connection.
      if (isTooLarge(error) || (error as { code?: unknown }).code !== undefined) throw error;
      responses = await bulkOnce(container, operations);
    }
  } catch (error) {
    if (isTooLarge(error)) throw new BulkTooLarge(`${what}: request too large`, { cause: error });
    throw transient(what, error);
  }
  // A throttled or failed operation inside the bulk response is the store's trouble, not the document's.
  const failed = responses.find((response) => response.statusCode === 429 || response.statusCode >= 500);
  if (failed) throw transient(what, new Error(`an operation answered ${failed.statusCode}`));
  return responses;
}

export async function applyInBulk(container: Container, items: readonly BulkItem[]): Promise<BulkResult> {
  const reads = await bulk(
    container,
    items.map(({ event }) => ({
      operationType: 'Read',
      id: event.documentId,
      partitionKey: targetKeyValue(event.partitionKey) ?? null,
    })),
    'bulk read',
  );
  const outcomes = new Map<string, ApplyOutcome>();
  const toWrite: BulkItem[] = [];
  const writes: OperationInput[] = [];
  items.forEach((item, index) => {
    const read = reads[index];
    const current = read?.statusCode === 200 ? (read.resourceBody as { _sync?: unknown } | undefined) : undefined;
    if (!isNewer(item.event.version, versionOf(current))) {
      outcomes.set(item.event.eventId, { eventId: item.event.eventId, status: 'stale' });
      return;
    }
    const partitionKey = targetKeyValue(item.event.partitionKey) ?? null;
    const resourceBody = item.document as unknown as JSONObject;
    toWrite.push(item);
    writes.push(
      current && read?.eTag
        ? { operationType: 'Replace', id: item.event.documentId, partitionKey, ifMatch: read.eTag, resourceBody }
        : { operationType: 'Create', partitionKey, resourceBody },
    );
  });
  let written: OperationResponse[];
  try {
    written = await bulk(container, writes, 'bulk write');
  } catch (error) {
    // A document over the size limit makes the whole request fail: the one-by-one path finds and rejects it alone.
    if (error instanceof BulkTooLarge) return { outcomes, contended: toWrite };
    throw error;
  }
  const contended: BulkItem[] = [];
  toWrite.forEach((item, index) => {
    const status = written[index]?.statusCode;
    const eventId = item.event.eventId;
    if (status !== undefined && status >= 200 && status < 300) outcomes.set(eventId, { eventId, status: 'applied' });
    else if (status === 409 || status === 412) contended.push(item);
    else if (isTransientStatus(status))
      throw transient('bulk write', new Error(`an operation answered ${String(status)}`));
    else {
      const error = TargetError.permanent(
        `COSMOS_${status}`,
        `Cosmos DB refused ${item.event.documentId} with ${status}`,
      );
      outcomes.set(eventId, { eventId, status: 'rejected', error });
    }
  });
  return { outcomes, contended };
}
