/**
 * The batched path of the Cosmos DB target. First pass, no reads: one bulk write of the batch, each operation guessed
 * from what this process last saw (a replace If-Match the known etag, or a create for a document it has not seen;
 * known-stale events are settled without a request). Second pass, only for guesses that were wrong (409 on a create,
 * 412 on a replace): one bulk read, then one bulk write of the events that are newer, conditional on the etags just
 * read. A bulk request carries up to 100 operations, as Cosmos DB recommends for writing at volume. Operations that
 * lose a race again are handed back for the one-by-one path.
 */
import type { Container, JSONObject, OperationInput, OperationResponse, RequestOptions } from '@azure/cosmos';
import type { ChangeEvent } from '../../events/envelope.js';
import { isNewer } from '../coalesce.js';
import type { KnownVersions } from '../known-versions.js';
import { TargetError, type ApplyOutcome } from '../target.js';
import { targetKeyValue, versionOf, type TargetDocument } from './document.js';
import { mapBounded } from '../../map-bounded.js';
import { throwIfShuttingDown } from '../../lifecycle/shutdown.js';
import { messageOf } from '../../errors.js';

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
  return TargetError.transient('COSMOS_TARGET_UNAVAILABLE', `${what} failed: ${messageOf(error)}`, error);
}

/** Raised when the service refuses a whole bulk request as too large: one document in it is over the limit. */
class BulkTooLarge extends Error {}

/** `items.bulk` takes at most 100 operations per partition key range in one call. */
const BULK_CHUNK = 100;
const PARALLEL_CHUNKS = 4;
/** One more than the parallel chunks, so every stale pooled socket can fail once. */
const STALE_SOCKET_ATTEMPTS = PARALLEL_CHUNKS + 1;

/**
 * Writes need only status and etag back: asking for no content (`Prefer: return=minimal`) spares the service sending
 * each document back and the client parsing it. Reads must carry the document.
 */
const WRITE_OPTIONS: RequestOptions = { contentResponseOnWriteEnabled: false };
const READ_OPTIONS: RequestOptions = {};

async function bulkOnce(
  container: Container,
  operations: OperationInput[],
  options: RequestOptions,
): Promise<OperationResponse[]> {
  const chunks: OperationInput[][] = [];
  for (let start = 0; start < operations.length; start += BULK_CHUNK)
    chunks.push(operations.slice(start, start + BULK_CHUNK));
  // After a failed chunk no new one starts, and the batch fails only once the chunks in flight are done.
  const responses = await mapBounded(chunks, PARALLEL_CHUNKS, (chunk) =>
    container.items.bulk(chunk, { continueOnError: true }, options),
  );
  return responses.flat();
}

/** The SDK wraps a refused bulk request in an error without a status code; the service's message names it. */
function isTooLarge(error: unknown): boolean {
  const { code, message } = error as { code?: unknown; message?: unknown };
  return code === 413 || (typeof message === 'string' && /request size is too large|entity too large/i.test(message));
}

/** One bulk call in chunks of 100, with the stale-socket retries; throws a transient error for store trouble. */
export async function bulk(
  container: Container,
  operations: OperationInput[],
  what: 'bulk read' | 'bulk write',
  signal: AbortSignal | undefined,
): Promise<OperationResponse[]> {
  if (operations.length === 0) return [];
  throwIfShuttingDown(signal);
  const options = { ...(what === 'bulk write' ? WRITE_OPTIONS : READ_OPTIONS), abortSignal: signal };
  let responses: OperationResponse[] | undefined;
  try {
    // After an outage the first requests meet pooled sockets the server already closed (one per earlier parallel
    // request); a few quick tries on other sockets tell a dead store from dead connections.
    for (let attempt = 1; responses === undefined; attempt += 1) {
      try {
        responses = await bulkOnce(container, operations, options);
      } catch (error) {
        if (signal?.aborted) throw error;
        const connectionLevel = !isTooLarge(error) && (error as { code?: unknown }).code === undefined;
        if (!connectionLevel || attempt >= STALE_SOCKET_ATTEMPTS) throw error;
      }
    }
  } catch (error) {
    throwIfShuttingDown(signal);
    if (isTooLarge(error)) throw new BulkTooLarge(`${what}: request too large`, { cause: error });
    throw transient(what, error);
  }
  // A throttled or failed operation inside the bulk response is the store's trouble, not the document's.
  const failed = responses.find((response) => response.statusCode === 429 || response.statusCode >= 500);
  if (failed) throw transient(what, new Error(`an operation answered ${failed.statusCode}`));
  return responses;
}

/** The key of a document in the Cosmos target's known versions: its partition key value and id. */
const knownKey = (event: ChangeEvent): string => JSON.stringify([event.partitionKey, event.documentId]);

/** Drops what this process knows of the event's document, so the next write judges it against the container. */
export function forgetKnown(known: KnownVersions, event: ChangeEvent): void {
  known.forget(knownKey(event));
}

type Plan = { item: BulkItem; operation: OperationInput };

function writeOperation(item: BulkItem, etag: string | undefined): OperationInput {
  const partitionKey = targetKeyValue(item.event.partitionKey) ?? null;
  const resourceBody = item.document as unknown as JSONObject;
  return etag
    ? { operationType: 'Replace', id: item.event.documentId, partitionKey, ifMatch: etag, resourceBody }
    : { operationType: 'Create', partitionKey, resourceBody };
}

/**
 * Sends the planned writes; records applied ones (and their new etags), returns the ones that lost a race or guessed
 * wrong (409 on a create, 412 on a replace) and throws for store-level trouble.
 */
async function writeAll(
  container: Container,
  plans: readonly Plan[],
  known: KnownVersions,
  outcomes: Map<string, ApplyOutcome>,
  signal: AbortSignal | undefined,
): Promise<BulkItem[]> {
  const written = await bulk(
    container,
    plans.map((plan) => plan.operation),
    'bulk write',
    signal,
  );
  const conflicted: BulkItem[] = [];
  plans.forEach(({ item }, index) => {
    const response = written[index];
    const status = response?.statusCode;
    const eventId = item.event.eventId;
    if (status !== undefined && status >= 200 && status < 300) {
      outcomes.set(eventId, { eventId, status: 'applied' });
      if (response?.eTag) known.set(knownKey(item.event), { etag: response.eTag, version: item.event.version });
    } else if (status === 409 || status === 412) {
      known.forget(knownKey(item.event));
      conflicted.push(item);
    } else if (isTransientStatus(status)) {
      throw transient('bulk write', new Error(`an operation answered ${String(status)}`));
    } else {
      const error = TargetError.permanent(
        `COSMOS_${status}`,
        `Cosmos DB refused ${item.event.documentId} with ${status}`,
      );
      outcomes.set(eventId, { eventId, status: 'rejected', error });
    }
  });
  return conflicted;
}

/** Reads the current documents and plans a guarded write for each that is older than its event. */
async function readAndPlan(
  container: Container,
  items: readonly BulkItem[],
  known: KnownVersions,
  outcomes: Map<string, ApplyOutcome>,
  signal: AbortSignal | undefined,
): Promise<Plan[]> {
  const reads = await bulk(
    container,
    items.map(({ event }) => ({
      operationType: 'Read',
      id: event.documentId,
      partitionKey: targetKeyValue(event.partitionKey) ?? null,
    })),
    'bulk read',
    signal,
  );
  const plans: Plan[] = [];
  items.forEach((item, index) => {
    const read = reads[index];
    const current = read?.statusCode === 200 ? (read.resourceBody as { _sync?: unknown } | undefined) : undefined;
    const stored = versionOf(current);
    if (current && read?.eTag && stored) known.set(knownKey(item.event), { etag: read.eTag, version: stored });
    if (!isNewer(item.event.version, stored)) {
      outcomes.set(item.event.eventId, { eventId: item.event.eventId, status: 'stale' });
      return;
    }
    plans.push({ item, operation: writeOperation(item, current ? read?.eTag : undefined) });
  });
  return plans;
}

/**
 * First pass without reads: a document this process knows is replaced with its known etag (or found stale from the
 * known version), an unknown one is created. Whatever guessed wrong (it existed, or changed meanwhile) gets the
 * second pass: read, then write conditionally. Insert-heavy streams thus cost one request per document, updates of
 * recently seen documents one as well, and only the rest pay for a read.
 */
export async function applyInBulk(
  container: Container,
  items: readonly BulkItem[],
  known: KnownVersions,
  signal?: AbortSignal,
): Promise<BulkResult> {
  const outcomes = new Map<string, ApplyOutcome>();
  const guesses: Plan[] = [];
  for (const item of items) {
    const cached = known.get(knownKey(item.event));
    if (cached && !isNewer(item.event.version, cached.version)) {
      outcomes.set(item.event.eventId, { eventId: item.event.eventId, status: 'stale' });
    } else {
      guesses.push({ item, operation: writeOperation(item, cached?.etag) });
    }
  }
  try {
    const wrong = await writeAll(container, guesses, known, outcomes, signal);
    const plans = wrong.length > 0 ? await readAndPlan(container, wrong, known, outcomes, signal) : [];
    const contended = plans.length > 0 ? await writeAll(container, plans, known, outcomes, signal) : [];
    return { outcomes, contended };
  } catch (error) {
    // A document over the size limit makes a whole request fail: the one-by-one path finds and rejects it alone.
    if (!(error instanceof BulkTooLarge)) throw error;
    const pending = items.filter((item) => !outcomes.has(item.event.eventId));
    return { outcomes, contended: pending };
  }
}
