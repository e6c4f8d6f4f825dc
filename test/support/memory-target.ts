/**
 * The in-memory reference target: the simplest correct implementation of the contract, used by the contract suite as
 * the model every real target is compared with, and by unit tests of the subscriber runner.
 */
import { documentKey, type ChangeEvent, type EventVersion } from '../../shared/events/envelope.js';
import { isNewer } from '../../shared/targets/coalesce.js';
import { chunk, refFromKey, refKey } from '../../shared/targets/read-back.js';
import {
  TargetError,
  type ApplyOutcome,
  type DocumentRef,
  type HeldDocument,
  type HeldVersion,
  type Target,
} from '../../shared/targets/target.js';

export interface MemoryRow {
  version: EventVersion;
  /** A tombstone keeps the delete's version so a late, older update cannot bring the row back. */
  deleted: boolean;
  document: Record<string, unknown> | null;
}

export interface MemoryTargetOptions {
  /** Documents per page of `listDocuments`. */
  pageSize?: number;
}

export class MemoryTarget implements Target {
  /** Keyed like `documentKey` (and `refKey`, which spells keys the same way). */
  readonly rows = new Map<string, MemoryRow>();
  /** Test hooks: make the whole store fail (transient) or refuse particular documents (permanent). */
  unavailable = false;
  rejectDocumentIds = new Set<string>();
  private readonly pageSize: number;

  constructor(
    readonly name = 'memory',
    options: MemoryTargetOptions = {},
  ) {
    this.pageSize = options.pageSize ?? 100;
  }

  async open(): Promise<void> {
    this.checkAvailable();
  }

  async applyBatch(events: readonly ChangeEvent[]): Promise<ApplyOutcome[]> {
    this.checkAvailable();
    return events.map((event) => this.applyOne(event));
  }

  async readVersions(refs: readonly DocumentRef[]): Promise<Array<HeldVersion | undefined>> {
    this.checkAvailable();
    return refs.map((ref) => {
      const row = this.rows.get(refKey(ref));
      return row && { version: row.version, deleted: row.deleted };
    });
  }

  async *listDocuments(source: string): AsyncIterable<HeldDocument[]> {
    this.checkAvailable();
    const held: HeldDocument[] = [];
    for (const [key, row] of this.rows) {
      const ref = refFromKey(key);
      if (ref.source === source) held.push({ ...ref, version: row.version, deleted: row.deleted });
    }
    yield* chunk(held, this.pageSize);
  }

  async close(): Promise<void> {}

  /** Live documents only, keyed like `documentKey`. */
  liveDocuments(): Map<string, Record<string, unknown>> {
    const live = new Map<string, Record<string, unknown>>();
    for (const [key, row] of this.rows) if (!row.deleted && row.document) live.set(key, row.document);
    return live;
  }

  private checkAvailable(): void {
    if (this.unavailable) throw TargetError.transient('MEMORY_UNAVAILABLE', `target ${this.name} is unavailable`);
  }

  private applyOne(event: ChangeEvent): ApplyOutcome {
    if (this.rejectDocumentIds.has(event.documentId)) {
      const error = TargetError.permanent('MEMORY_REJECTED', `document ${event.documentId} is refused by the test`);
      return { eventId: event.eventId, status: 'rejected', error };
    }
    const key = documentKey(event);
    if (!isNewer(event.version, this.rows.get(key)?.version)) return { eventId: event.eventId, status: 'stale' };
    this.rows.set(
      key,
      event.operation === 'delete'
        ? { version: event.version, deleted: true, document: null }
        : { version: event.version, deleted: false, document: event.payload },
    );
    return { eventId: event.eventId, status: 'applied' };
  }
}
