/**
 * The one interface every target implements. Adding a target means one folder under `shared/targets/` (the class that
 * implements this, its config fragment, and a descriptor tying them together: descriptor.ts) and one entry in the
 * catalog (catalog.ts); functions/apply-changes.ts registers a subscriber function for every configured target.
 *
 * Lifecycle:
 * 1. `open()` is called once per process before the first batch: connect, create tables or containers when the
 *    target's config asks for it, warm pools. It may throw a retryable error (the service is down): the subscriber
 *    throws and the batch is retried later. Clients are kept for the life of the process.
 * 2. `applyBatch(events)` is called for every batch after coalescing, so it sees at most one event per document key
 *    (unless the target sets `appliesEveryVersion`, then it sees every distinct event, in delivery order).
 *    Batches for different session buckets may run concurrently; events of one key never do. It must be idempotent
 *    and version-guarded: an event whose version is not newer than what the target holds (including a delete's
 *    tombstone) changes nothing and is reported `stale`. A transient failure of the whole store throws a retryable
 *    `TargetError`; a problem with one event (rejected by the store, bad projection) is returned as `rejected` with
 *    a permanent error so only that message is set aside (a poison record) and the others proceed.
 * 3. `close()` is called once at shutdown; it releases clients and must not throw for an unopened target.
 *
 * Reading back (for `cosmos-sync verify`, after `open()`, never on the apply path): `readVersions` answers which
 * version the target holds for given documents, and `listDocuments` walks everything it holds for one source, so
 * extra rows can be found. Tombstones count as held, with `deleted: true`. A ref read back equals the ref applied,
 * whatever its id and partition key hold (`/ # ? \`, unicode, numbers, booleans, null, hierarchical arrays): a store
 * that cannot spell a ref in its keys keeps what it needs to give it back. Both work in pages sized for the store
 * (one statement, pipeline, bulk request or listing call per page), honour `signal` where the client can, and throw
 * a retryable `TargetError` when the store is down. A target that cannot answer (a webhook receiver without the
 * query endpoint) throws a permanent `TargetError` with code `VERIFY_UNSUPPORTED` naming the setting to add.
 */
import { CosmosSyncError } from '../errors.js';
import type { ChangeEvent, EventVersion, PartitionKeyValue } from '../events/envelope.js';

/** A document as every target keys it: its source's name, its id and its partition key value. */
export interface DocumentRef {
  source: string;
  documentId: string;
  partitionKey: PartitionKeyValue;
}

/** What a target holds for one document: the version it last applied, and whether that was a delete. */
export interface HeldVersion {
  version: EventVersion;
  deleted: boolean;
}

export type HeldDocument = DocumentRef & HeldVersion;

export interface ApplyOptions {
  /**
   * Ids of events an operator sent to this target on purpose (`deadletters replay`, `backfill`, `verify --repair`):
   * the store may have changed behind the target's back (rows deleted, edited or restored), so a target that caches
   * what it last wrote must judge these against the store, not the cache, or it would settle a repair as stale.
   */
  readThrough?: ReadonlySet<string>;
}

export type ApplyOutcome =
  | { eventId: string; status: 'applied' }
  | { eventId: string; status: 'stale' }
  | { eventId: string; status: 'rejected'; error: TargetError };

export interface Target {
  /** The target's configured name, used in logs, state rows and metrics. */
  readonly name: string;
  /**
   * True for log-style targets (an archive) that must see every version: the runner then passes every distinct event
   * of the batch instead of coalescing each key to its newest version. Default false.
   */
  readonly appliesEveryVersion?: boolean;
  open(): Promise<void>;
  /**
   * One outcome per input event, in input order. `signal` is aborted when the app shuts down: a target stops at the
   * next step it can (cancelling requests where its client can) and throws; the batch is then delivered again.
   */
  applyBatch(events: readonly ChangeEvent[], signal?: AbortSignal, options?: ApplyOptions): Promise<ApplyOutcome[]>;
  /** One answer per ref, in input order: the held version, or undefined when the target holds nothing for it. */
  readVersions(refs: readonly DocumentRef[], signal?: AbortSignal): Promise<Array<HeldVersion | undefined>>;
  /**
   * Every document held for `source` (tombstones included), a page at a time, in no particular order; never another
   * source's. A store whose own walk may return an item twice (Redis SCAN while the keyspace is resized) may repeat a
   * document, so a consumer treats the listing as a set.
   */
  listDocuments(source: string, signal?: AbortSignal): AsyncIterable<HeldDocument[]>;
  close(): Promise<void>;
}

/** A target failure. `retryable` decides between retry-with-backoff and setting the message aside as poison. */
export class TargetError extends CosmosSyncError {
  constructor(
    readonly code: string,
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }

  static transient(code: string, message: string, cause?: unknown): TargetError {
    return new TargetError(code, message, true, { cause });
  }

  static permanent(code: string, message: string, cause?: unknown): TargetError {
    return new TargetError(code, message, false, { cause });
  }
}
