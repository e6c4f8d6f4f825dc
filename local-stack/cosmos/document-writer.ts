/**
 * Every document write goes through here: single requests, bulk and transactional batch operations, and TTL expiry.
 * Each successful write stores the document in the base server's in-memory container, gives it a fresh quoted _etag
 * and appends one record (with the container's next LSN) to the change history.
 */
import { applyPatch, parsePatchRequest } from './base-patch.js';
import type { BaseContainer, JsonObject, StoredDocument } from './base-server.js';
import type { ChangeRecord, ContainerState } from './container-state.js';
import { assertWithinSizeLimit, userDocument } from './document-validation.js';
import { badRequest, notFoundItem, preconditionFailed } from './errors.js';
import {
  extractPartitionKey,
  firstPartitionKeyValue,
  partitionKeyPaths,
  samePartitionKey,
  type PartitionKeyValues,
} from './partition-key.js';

export interface Precondition {
  /** The _etag the client last saw; the write is refused with 412 when the document has changed since. */
  ifMatch?: string | undefined;
}

export interface WriterMark {
  readonly undoLength: number;
  readonly checkpoint: ReturnType<ContainerState['checkpoint']>;
}

export class DocumentWriter {
  private readonly paths: string[];
  private readonly undo: (() => void)[] = [];

  constructor(
    private readonly container: BaseContainer,
    private readonly state: ContainerState,
    private readonly maxDocumentBytes: number,
  ) {
    this.paths = partitionKeyPaths(container.definition);
  }

  read(id: string, partitionKey: PartitionKeyValues): StoredDocument {
    const found = this.find(id, partitionKey);
    if (!found) throw notFoundItem();
    return found;
  }

  create(body: unknown, headerPartitionKey: PartitionKeyValues | undefined): StoredDocument {
    const candidate = this.prepare(body, headerPartitionKey);
    return this.commitCreate(candidate, this.partitionKeyOf(candidate));
  }

  upsert(
    body: unknown,
    headerPartitionKey: PartitionKeyValues | undefined,
    precondition: Precondition,
  ): { document: StoredDocument; created: boolean } {
    const candidate = this.prepare(body, headerPartitionKey);
    const partitionKey = this.partitionKeyOf(candidate);
    const original = this.find(candidate.id, partitionKey);
    // An upsert conditioned on an _etag can only succeed by replacing that exact version.
    if (precondition.ifMatch !== undefined && !original) throw preconditionFailed();
    if (!original) return { document: this.commitCreate(candidate, partitionKey), created: true };
    this.checkPrecondition(original, precondition);
    return { document: this.commitReplace(candidate, original, partitionKey), created: false };
  }

  replace(id: string, partitionKey: PartitionKeyValues, body: unknown, precondition: Precondition): StoredDocument {
    const original = this.read(id, partitionKey);
    this.checkPrecondition(original, precondition);
    const candidate = this.prepare(body, partitionKey);
    if (candidate.id !== id) throw badRequest('The id in the request body does not match the id in the request URI.');
    return this.commitReplace(candidate, original, partitionKey);
  }

  patch(id: string, partitionKey: PartitionKeyValues, body: unknown, precondition: Precondition): StoredDocument {
    const original = this.read(id, partitionKey);
    this.checkPrecondition(original, precondition);
    const { operations, condition } = parsePatchRequest(body);
    const outcome = applyPatch(this.container, original, operations, condition);
    if (!outcome.ok) throw outcome.error;
    const candidate = this.prepare(outcome.patched, partitionKey);
    return this.commitReplace(candidate, original, partitionKey);
  }

  delete(id: string, partitionKey: PartitionKeyValues, precondition: Precondition): void {
    const original = this.read(id, partitionKey);
    this.checkPrecondition(original, precondition);
    this.commitDelete(original, partitionKey, false);
  }

  /** Deletes a document whose time to live ran out; the all-versions feed reports it with timeToLiveExpired. */
  expire(record: ChangeRecord): void {
    if (record.current && this.state.isLatest(record)) this.commitDelete(record.current, record.partitionKey, true);
  }

  mark(): WriterMark {
    return { undoLength: this.undo.length, checkpoint: this.state.checkpoint() };
  }

  /** Undoes every write since the mark, in storage and in the change history (a failed transactional batch). */
  rollbackTo(mark: WriterMark): void {
    while (this.undo.length > mark.undoLength) this.undo.pop()?.();
    this.state.rollback(mark.checkpoint);
  }

  private prepare(body: unknown, expectedPartitionKey: PartitionKeyValues | undefined): JsonObject & { id: string } {
    const candidate = userDocument(body);
    if (expectedPartitionKey && !samePartitionKey(this.partitionKeyOf(candidate), expectedPartitionKey)) {
      throw badRequest(
        "PartitionKey extracted from document doesn't match the one specified in the header. Learn more: https://aka.ms/CosmosDB/sql/errors/wrong-pk-value",
      );
    }
    assertWithinSizeLimit(candidate, this.maxDocumentBytes);
    return candidate;
  }

  /** The base store looks documents up by id and first partition key value; the rest of the key must match too. */
  private find(id: string, partitionKey: PartitionKeyValues): StoredDocument | undefined {
    const found = this.container.documents.find(id, firstPartitionKeyValue(partitionKey));
    return found && samePartitionKey(this.partitionKeyOf(found), partitionKey) ? found : undefined;
  }

  private checkPrecondition(original: StoredDocument, { ifMatch }: Precondition): void {
    if (ifMatch !== undefined && ifMatch !== '*' && ifMatch !== original._etag) throw preconditionFailed();
  }

  private partitionKeyOf(document: JsonObject): PartitionKeyValues {
    return extractPartitionKey(document, this.paths);
  }

  private commitCreate(candidate: JsonObject, partitionKey: PartitionKeyValues): StoredDocument {
    const stored = withQuotedEtag(this.container.documents.create(candidate));
    this.record('create', stored, partitionKey);
    this.undo.push(() => this.container.documents.remove(stored.id, firstPartitionKeyValue(partitionKey)));
    return stored;
  }

  private commitReplace(
    candidate: JsonObject,
    original: StoredDocument,
    partitionKey: PartitionKeyValues,
  ): StoredDocument {
    const stored = withQuotedEtag(this.container.documents.replace(candidate, original));
    this.record('replace', stored, partitionKey);
    this.undo.push(() => {
      this.container.documents.remove(stored.id, firstPartitionKeyValue(partitionKey));
      this.container.documents.restore(original);
    });
    return stored;
  }

  private commitDelete(original: StoredDocument, partitionKey: PartitionKeyValues, timeToLiveExpired: boolean): void {
    this.container.documents.remove(original.id, firstPartitionKeyValue(partitionKey));
    this.state.append({ operation: 'delete', rid: original._rid, id: original.id, partitionKey, timeToLiveExpired });
    this.undo.push(() => this.container.documents.restore(original));
  }

  private record(operation: 'create' | 'replace', stored: StoredDocument, partitionKey: PartitionKeyValues): void {
    this.state.append({
      operation,
      rid: stored._rid,
      id: stored.id,
      partitionKey,
      current: stored,
      timeToLiveExpired: false,
    });
  }
}

/** Azure's _etag values are quoted strings; the base server assigns a bare UUID on every write. */
function withQuotedEtag(stored: StoredDocument): StoredDocument {
  stored._etag = `"${stored._etag}"`;
  return stored;
}
