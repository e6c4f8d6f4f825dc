/**
 * The other side of the poison store: what operators (`cosmos-sync deadletters`) read back and remove. A target's
 * records are one table partition (PartitionKey = target name), each row pointing at the body blob it was stored
 * with. Removal takes the row first, then the blob: the row is what lists and counts see, so a failure in between
 * leaves at worst an orphaned blob, never a listed record without its body.
 */
import { odata, type TableClient } from '@azure/data-tables';
import type { ContainerClient } from '@azure/storage-blob';
import { z } from 'zod';
import { statusOf } from '../errors.js';
import { stateErrorFrom, StateStoreError } from '../state/errors.js';
import { poisonBlobName, type PoisonRecord } from './record.js';

/**
 * A stored poison record's row, as the store wrote it: the record's fields without its body, where even the ones a
 * fresh record always has may be missing from an old or hand-edited row (they come back undefined).
 */
export type StoredPoisonRecord = Omit<PoisonRecord, 'body' | 'reason' | 'description' | 'recordedAt'> & {
  rowKey: string;
  reason: string | undefined;
  description: string | undefined;
  recordedAt: Date | undefined;
  /** Blob name of the body in the quarantine container. */
  bodyBlob: string;
  bodyBytes: number | undefined;
};

const text = z.string().optional().catch(undefined);
const whole = z.number().int().optional().catch(undefined);
const date = z.date().optional().catch(undefined);

/** Lenient on purpose: a record with an odd column must still be listed (and replayable), not hide the others. */
const rowSchema = z.object({
  partitionKey: z.string(),
  rowKey: z.string(),
  reason: text,
  description: text,
  messageId: text,
  eventId: text,
  source: text,
  documentKey: text,
  sessionId: text,
  correlationId: text,
  deliveryCount: whole,
  enqueuedTimeUtc: date,
  sequenceNumber: text,
  recordedAt: date,
  bodyBlob: text,
  bodyBytes: whole,
});

function toRecord(entity: unknown): StoredPoisonRecord {
  const row = rowSchema.parse(entity);
  return {
    target: row.partitionKey,
    rowKey: row.rowKey,
    reason: row.reason,
    description: row.description,
    messageId: row.messageId,
    eventId: row.eventId,
    source: row.source,
    documentKey: row.documentKey,
    sessionId: row.sessionId,
    correlationId: row.correlationId,
    deliveryCount: row.deliveryCount,
    enqueuedTimeUtc: row.enqueuedTimeUtc,
    sequenceNumber: row.sequenceNumber,
    recordedAt: row.recordedAt,
    bodyBlob: row.bodyBlob ?? poisonBlobName(row.partitionKey, row.rowKey),
    bodyBytes: row.bodyBytes,
  };
}

export class PoisonReader {
  constructor(
    private readonly table: TableClient,
    private readonly container: ContainerClient,
  ) {}

  /** Every record of `target`, in row key order, a page at a time. No table yet means no records. */
  async *list(target: string): AsyncGenerator<StoredPoisonRecord> {
    const pages = this.table
      .listEntities({ queryOptions: { filter: odata`PartitionKey eq ${target}` } })
      .byPage({ maxPageSize: 1000 });
    try {
      for await (const page of pages) for (const entity of page) yield toRecord(entity);
    } catch (error) {
      if (statusOf(error) === 404) return;
      throw stateErrorFrom(error, `list poison records of target ${target} in table ${this.table.tableName}`);
    }
  }

  /** One record, or undefined when it does not exist (any more). */
  async get(target: string, rowKey: string): Promise<StoredPoisonRecord | undefined> {
    try {
      return toRecord(await this.table.getEntity(target, rowKey));
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw stateErrorFrom(error, `read poison record ${rowKey} of target ${target}`);
    }
  }

  /** The body exactly as it was delivered. A missing blob is a permanent error naming it. */
  async readBody(record: StoredPoisonRecord): Promise<Buffer> {
    try {
      return await this.container.getBlobClient(record.bodyBlob).downloadToBuffer();
    } catch (error) {
      if (statusOf(error) === 404) {
        throw new StateStoreError(
          'STATE_ROW_INVALID',
          `the body of poison record ${record.rowKey} (blob ${record.bodyBlob} in container ` +
            `${this.container.containerName}) does not exist`,
          { cause: error },
        );
      }
      throw stateErrorFrom(error, `read the body of poison record ${record.rowKey} (blob ${record.bodyBlob})`);
    }
  }

  /** Removes the row, then the blob. Either being gone already is fine: another run may have removed it. */
  async delete(record: StoredPoisonRecord): Promise<void> {
    try {
      await this.table.deleteEntity(record.target, record.rowKey);
    } catch (error) {
      if (statusOf(error) !== 404) {
        throw stateErrorFrom(error, `delete poison record ${record.rowKey} of target ${record.target}`);
      }
    }
    try {
      await this.container.getBlobClient(record.bodyBlob).deleteIfExists();
    } catch (error) {
      throw stateErrorFrom(
        error,
        `delete the body blob ${record.bodyBlob} of poison record ${record.rowKey} (the row is already gone)`,
      );
    }
  }
}
