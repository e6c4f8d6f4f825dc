/**
 * Cosmos DB container target: a materialized copy, optionally in another account, keyed by the source partition key
 * under its own path. Every write is conditional, so the version guard holds against concurrent writers: a batch is
 * written first in bulk from what this process last saw (a create for a document it has not seen, a replace If-Match
 * the etag it knows), and only the writes that guessed wrong (409, 412) read the current document and write again if
 * the event is newer (bulk.ts); the few that lose a race once more are settled one by one (read, compare, write
 * conditionally, retry on conflict). Deletes write a tombstone. Reading back for verify: read-back.ts.
 */
import type { Container, CosmosClient, ItemDefinition } from '@azure/cosmos';
import type { ChangeEvent } from '../../events/envelope.js';
import { isNewer } from '../coalesce.js';
import {
  TargetError,
  type ApplyOptions,
  type ApplyOutcome,
  type DocumentRef,
  type HeldDocument,
  type HeldVersion,
  type Target,
} from '../target.js';
import { KnownVersions } from '../known-versions.js';
import { applyInBulk, forgetKnown, isTransientStatus, type BulkItem } from './bulk.js';
import { CosmosTargetMissingError } from './errors.js';
import { mapBounded } from '../../map-bounded.js';
import { throwIfShuttingDown } from '../../lifecycle/shutdown.js';
import type { Projection } from '../projection.js';
import { buildTargetDocument, targetKeyValue, versionOf, type TargetDocument } from './document.js';
import { messageOf, statusOf } from '../../errors.js';
import { checkedPageSize } from '../read-back.js';
import { listHeld, readHeldVersions } from './read-back.js';

export interface CosmosTargetOptions {
  name: string;
  client: CosmosClient;
  database: string;
  container: string;
  /** Path of the target container's partition key, e.g. `/pk`; it holds the source partition key value. */
  partitionKeyPath: string;
  /**
   * Create the database and container at open when missing. When false (the default with an identity), a missing
   * one fails open with `CosmosTargetMissingError`.
   */
  createIfNotExists: boolean;
  project?: Projection | undefined;
  /** Documents written in parallel within one batch. */
  concurrency?: number;
  /** Items per page of `listDocuments` (the query's `maxItemCount`). */
  readPageSize?: number;
}

/** Cosmos DB's document size limit. */
const MAX_DOCUMENT_BYTES = 2 * 1024 * 1024;

/** How often one document's write is retried after losing a race (412/409) before the batch is retried. */
const MAX_CONFLICT_RETRIES = 5;

export class CosmosTarget implements Target {
  readonly name: string;
  private container: Container | undefined;
  private readonly keyField: string;
  /** Etags and versions this process wrote or read last, so most writes need no read first. */
  private readonly known = new KnownVersions();
  private readonly readPageSize: number;

  constructor(private readonly options: CosmosTargetOptions) {
    this.name = options.name;
    this.readPageSize = checkedPageSize(options.readPageSize, 10_000);
    const segments = options.partitionKeyPath.split('/').filter(Boolean);
    if (segments.length !== 1) {
      throw TargetError.permanent(
        'COSMOS_TARGET_CONFIG',
        `partitionKeyPath must be a top-level path like "/pk", got "${options.partitionKeyPath}"`,
      );
    }
    this.keyField = segments[0] as string;
  }

  async open(): Promise<void> {
    const { client, database, container, partitionKeyPath, createIfNotExists } = this.options;
    try {
      if (createIfNotExists) {
        const { database: db } = await client.databases.createIfNotExists({ id: database });
        const { container: created } = await db.containers.createIfNotExists({
          id: container,
          partitionKey: { paths: [partitionKeyPath] },
        });
        this.container = created;
      } else {
        const existing = client.database(database).container(container);
        await existing.read();
        this.container = existing;
      }
    } catch (error) {
      if (statusOf(error) === 404 && !createIfNotExists) {
        const missing = await this.whichIsMissing();
        throw new CosmosTargetMissingError(
          { target: this.name, database, container, partitionKeyPath, missing },
          error,
        );
      }
      throw TargetError.transient(
        'COSMOS_TARGET_UNAVAILABLE',
        `cannot open target container ${database}/${container}: ${messageOf(error)}`,
        error,
      );
    }
  }

  /** After a 404 on the container: is the whole database missing? Tells the operator what to create. */
  private async whichIsMissing(): Promise<'database' | 'container'> {
    try {
      await this.options.client.database(this.options.database).read();
      return 'container';
    } catch (error) {
      return statusOf(error) === 404 ? 'database' : 'container';
    }
  }

  async applyBatch(
    events: readonly ChangeEvent[],
    signal?: AbortSignal,
    options?: ApplyOptions,
  ): Promise<ApplyOutcome[]> {
    const container = this.container;
    if (!container) throw TargetError.transient('COSMOS_TARGET_NOT_OPEN', `target ${this.name} is not open`);
    const outcomes = new Map<string, ApplyOutcome>();
    const items: BulkItem[] = [];
    for (const event of events) {
      try {
        const document = buildTargetDocument(event, this.keyField, this.options.project);
        const bytes = Buffer.byteLength(JSON.stringify(document));
        if (bytes > MAX_DOCUMENT_BYTES) {
          // Refused here, not by the service: inside a bulk request it would fail the whole request.
          const message = `document ${event.documentId} is ${bytes} bytes, over Cosmos DB's ${MAX_DOCUMENT_BYTES}`;
          outcomes.set(event.eventId, {
            eventId: event.eventId,
            status: 'rejected',
            error: TargetError.permanent('COSMOS_413', message),
          });
          continue;
        }
        items.push({ event, document });
      } catch (error) {
        const message = `projection failed: ${messageOf(error)}`;
        outcomes.set(event.eventId, {
          eventId: event.eventId,
          status: 'rejected',
          error: TargetError.permanent('PROJECTION_FAILED', message, error),
        });
      }
    }
    // Sent on purpose because the container may differ from what this process wrote: no known-version shortcut.
    for (const item of items) if (options?.readThrough?.has(item.event.eventId)) forgetKnown(this.known, item.event);
    const bulk = await applyInBulk(container, items, this.known, signal);
    for (const [eventId, outcome] of bulk.outcomes) outcomes.set(eventId, outcome);
    // Lost races are rare (another writer touched the document between read and write): settle them one by one.
    await mapBounded(bulk.contended, this.options.concurrency ?? 16, async (item) => {
      throwIfShuttingDown(signal);
      outcomes.set(item.event.eventId, await this.applyOne(container, item.event, item.document));
    });
    return events.map((event) => outcomes.get(event.eventId) as ApplyOutcome);
  }

  async readVersions(refs: readonly DocumentRef[], signal?: AbortSignal): Promise<Array<HeldVersion | undefined>> {
    return readHeldVersions(this.opened(), this.keyField, refs, signal);
  }

  async *listDocuments(source: string, signal?: AbortSignal): AsyncIterable<HeldDocument[]> {
    yield* listHeld(this.opened(), this.keyField, source, this.readPageSize, signal);
  }

  async close(): Promise<void> {
    this.container = undefined;
  }

  private opened(): Container {
    if (!this.container) throw TargetError.transient('COSMOS_TARGET_NOT_OPEN', `target ${this.name} is not open`);
    return this.container;
  }

  private async applyOne(container: Container, event: ChangeEvent, document: TargetDocument): Promise<ApplyOutcome> {
    const item = container.item(event.documentId, targetKeyValue(event.partitionKey));
    for (let attempt = 0; attempt <= MAX_CONFLICT_RETRIES; attempt += 1) {
      try {
        const { resource: current, etag } = await item.read<ItemDefinition & { _sync?: unknown }>();
        if (!isNewer(event.version, versionOf(current))) return { eventId: event.eventId, status: 'stale' };
        if (current && etag) await item.replace(document, { accessCondition: { type: 'IfMatch', condition: etag } });
        else await container.items.create(document);
        return { eventId: event.eventId, status: 'applied' };
      } catch (error) {
        const status = statusOf(error);
        if (status === 412 || status === 409) continue; // lost a race with another writer: read again
        if (isTransientStatus(status))
          throw TargetError.transient(
            'COSMOS_TARGET_UNAVAILABLE',
            `write of ${event.documentId} failed: ${messageOf(error)}`,
            error,
          );
        return {
          eventId: event.eventId,
          status: 'rejected',
          error: TargetError.permanent(
            `COSMOS_${status}`,
            `Cosmos DB refused ${event.documentId} with ${status}: ${messageOf(error)}`,
            error,
          ),
        };
      }
    }
    throw TargetError.transient(
      'COSMOS_TARGET_CONTENTION',
      `document ${event.documentId} kept changing during ${MAX_CONFLICT_RETRIES + 1} attempts`,
    );
  }
}
