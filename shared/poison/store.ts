/**
 * The poison store on Azure Storage: the body goes to a blob first, then the row that points at it, so a row never
 * points at nothing. Both writes are idempotent (same names, and a row that exists already is kept as first
 * recorded), so a batch that fails after recording and is delivered again records nothing twice.
 */
import { RestError, type TableClient } from '@azure/data-tables';
import type { ContainerClient } from '@azure/storage-blob';
import { ensureTable, forgetTable } from '../clients/tables.js';
import { stateErrorFrom } from '../state/errors.js';
import { poisonBlobName, poisonRowKey, type PoisonRecord } from './record.js';
import { statusOf } from '../errors.js';

export interface PoisonStore {
  /** Resolves once every record is stored; rejects (retryable unless the service refused) when one is not. */
  record(records: readonly PoisonRecord[]): Promise<void>;
}

export class StoragePoisonStore implements PoisonStore {
  private containerReady: Promise<unknown> | undefined;

  constructor(
    private readonly table: TableClient,
    private readonly container: ContainerClient,
  ) {}

  async record(records: readonly PoisonRecord[]): Promise<void> {
    if (records.length === 0) return;
    await Promise.all([this.ensureContainer(), this.ensureTable()]);
    await Promise.all(records.map((record) => this.recordOne(record)));
  }

  private async recordOne(record: PoisonRecord): Promise<void> {
    const rowKey = poisonRowKey(record.messageId, record.body);
    const blobName = poisonBlobName(record.target, rowKey);
    try {
      await this.container.getBlockBlobClient(blobName).uploadData(record.body, {
        blobHTTPHeaders: { blobContentType: 'application/octet-stream' },
      });
    } catch (error) {
      throw stateErrorFrom(error, `store the body of poison message ${rowKey} of target ${record.target}`);
    }
    const entity = {
      partitionKey: record.target,
      rowKey,
      reason: record.reason,
      description: record.description,
      messageId: record.messageId,
      eventId: record.eventId,
      source: record.source,
      documentKey: record.documentKey,
      sessionId: record.sessionId,
      correlationId: record.correlationId,
      deliveryCount: record.deliveryCount,
      enqueuedTimeUtc: record.enqueuedTimeUtc,
      sequenceNumber: record.sequenceNumber,
      recordedAt: record.recordedAt,
      bodyBlob: blobName,
      bodyBytes: record.body.byteLength,
    };
    try {
      await this.table.createEntity(entity);
    } catch (error) {
      // Recorded by an earlier delivery of the same message: keep the first record.
      if (error instanceof RestError && error.statusCode === 409) return;
      if (statusOf(error) === 404) forgetTable(this.table);
      throw stateErrorFrom(error, `record poison message ${rowKey} of target ${record.target}`);
    }
  }

  private ensureContainer(): Promise<unknown> {
    this.containerReady ??= this.container.createIfNotExists().catch((error: unknown) => {
      this.containerReady = undefined;
      throw stateErrorFrom(error, `create the blob container ${this.container.containerName}`);
    });
    return this.containerReady;
  }

  private async ensureTable(): Promise<void> {
    try {
      await ensureTable(this.table);
    } catch (error) {
      throw stateErrorFrom(error, `create the poison table ${this.table.tableName}`);
    }
  }
}
