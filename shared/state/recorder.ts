/**
 * Records batch summaries in the state table: one read-modify-write of the (target, session) row per batch.
 *
 * Writes are conditional on the row's ETag (Replace with If-Match, or create when the row is new), so when two
 * instances briefly both hold a session, the one that loses the race gets 412 (or 409 on create), re-reads the row
 * and applies its batch on top: no count is lost or counted twice. The last written row and its ETag are kept in
 * memory, so the normal case is a single write per batch with no read.
 */
import type { TableClient, TableEntityResult } from '@azure/data-tables';
import { ensureTable, forgetTable } from '../clients/tables.js';
import type { Logger } from '../logging.js';
import { backoffDelayMs, sleep, type BackoffPolicy } from '../subscribe/backoff.js';
import type { BatchRecorder, BatchSummary } from '../subscribe/batch-summary.js';
import { parseStateEntity, stateRowKeys, toStateEntity } from './entity.js';
import { StateStoreError, stateErrorFrom } from './errors.js';
import { applySummary, emptyRow, type StateRow } from './row.js';
import { statusOf } from '../errors.js';

export interface StateRecorderOptions {
  /** Conflict retries: attempts in all and the (short, jittered) waits between them. */
  conflictBackoff?: BackoffPolicy;
  /** How to wait between conflict retries; tests replace it. */
  wait?: (ms: number) => Promise<void>;
  logger?: Logger;
}

/** Contention is rare (a session changing hands), so a few quick, jittered retries are plenty. */
const DEFAULT_CONFLICT_BACKOFF: BackoffPolicy = { attempts: 8, initialDelayMs: 5, maxDelayMs: 200 };

interface KnownRow {
  row: StateRow;
  /** Undefined when the row does not exist yet. */
  etag: string | undefined;
}

type Keys = { partitionKey: string; rowKey: string };

export class TableStateRecorder implements BatchRecorder {
  /** Last known version of each row this process wrote, keyed by PartitionKey and RowKey. */
  private readonly known = new Map<string, KnownRow>();
  private readonly backoff: BackoffPolicy;
  private readonly wait: (ms: number) => Promise<void>;

  constructor(
    private readonly table: TableClient,
    private readonly options: StateRecorderOptions = {},
  ) {
    this.backoff = options.conflictBackoff ?? DEFAULT_CONFLICT_BACKOFF;
    this.wait = options.wait ?? sleep;
  }

  async record(summary: BatchSummary): Promise<void> {
    const keys = stateRowKeys(summary.target, summary.sessionId);
    const where = `${keys.partitionKey}/${keys.rowKey}`;
    const cacheKey = JSON.stringify([keys.partitionKey, keys.rowKey]);
    await this.ensureTable();
    for (let attempt = 1; attempt <= this.backoff.attempts; attempt += 1) {
      const current = this.known.get(cacheKey) ?? (await this.read(keys, where));
      const next = applySummary(current.row, summary);
      // Forget the cached copy first: if the write fails in any way, the next batch must read what is really stored.
      this.known.delete(cacheKey);
      try {
        const entity = toStateEntity(keys, next);
        const { etag } =
          current.etag === undefined
            ? await this.table.createEntity(entity)
            : await this.table.updateEntity(entity, 'Replace', { etag: current.etag });
        if (etag !== undefined) this.known.set(cacheKey, { row: next, etag });
        return;
      } catch (error) {
        const status = statusOf(error);
        const tableGone = status === 404 && current.etag === undefined;
        // 412: changed since we read it; 409: created by someone else; 404 on replace: deleted meanwhile.
        const lostRace = status === 412 || status === 409 || (status === 404 && !tableGone);
        if (tableGone) {
          // Someone deleted the table after this process created it: create it again and retry the batch.
          forgetTable(this.table);
          await this.ensureTable();
        } else if (lostRace) {
          this.options.logger?.debug('state.conflict', { target: summary.target, row: where, attempt, status });
        } else {
          throw stateErrorFrom(error, `write state row ${where}`);
        }
        if (attempt < this.backoff.attempts) await this.wait(backoffDelayMs(this.backoff, attempt - 1));
      }
    }
    throw new StateStoreError(
      'STATE_CONTENTION',
      `state row ${where} kept changing during ${this.backoff.attempts} attempts to record a batch`,
    );
  }

  private async ensureTable(): Promise<void> {
    try {
      await ensureTable(this.table);
    } catch (error) {
      throw stateErrorFrom(error, `create state table ${this.table.tableName}`);
    }
  }

  private async read(keys: Keys, where: string): Promise<KnownRow> {
    let entity: TableEntityResult<Record<string, unknown>>;
    try {
      entity = await this.table.getEntity<Record<string, unknown>>(keys.partitionKey, keys.rowKey);
    } catch (error) {
      if (statusOf(error) === 404) return { row: emptyRow(), etag: undefined };
      throw stateErrorFrom(error, `read state row ${where}`);
    }
    return { row: parseStateEntity(entity), etag: entity.etag };
  }
}
