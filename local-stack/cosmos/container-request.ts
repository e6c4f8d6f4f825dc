/** What a handler for a request under /dbs/{db}/colls/{coll}/docs needs to know. */
import type { IncomingMessage } from 'node:http';
import type { ResolvedContainer } from './container-registry.js';
import { DocumentWriter, type Precondition } from './document-writer.js';
import { header, parseJson, readBody } from './http-io.js';
import { partitionKeyPaths, requirePartitionKey, type PartitionKeyValues } from './partition-key.js';

/** Room for the JSON around a document (batch envelopes, patch operations) on top of the document size limit. */
const REQUEST_ENVELOPE_BYTES = 64 * 1024;

export class ContainerRequest {
  readonly writer: DocumentWriter;
  readonly partitionKeyPaths: string[];

  constructor(
    readonly req: IncomingMessage,
    readonly resolved: ResolvedContainer,
    readonly documentId: string | undefined,
    readonly maxDocumentBytes: number,
  ) {
    this.writer = new DocumentWriter(resolved.container, resolved.state, maxDocumentBytes);
    this.partitionKeyPaths = partitionKeyPaths(resolved.container.definition);
  }

  async readJson(): Promise<unknown> {
    return parseJson(await readBody(this.req, this.maxDocumentBytes + REQUEST_ENVELOPE_BYTES));
  }

  header(name: string): string | undefined {
    return header(this.req, name);
  }

  precondition(): Precondition {
    return { ifMatch: this.header('if-match') };
  }

  requirePartitionKey(): PartitionKeyValues {
    return requirePartitionKey(this.req.headers, this.partitionKeyPaths);
  }

  /** Handlers are only routed here with a document id in the path. */
  requireDocumentId(): string {
    if (this.documentId === undefined) throw new Error('document route without a document id');
    return this.documentId;
  }
}
