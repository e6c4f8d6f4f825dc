/**
 * PostgreSQL target: one table per source holding the latest version of every document, tombstones included, and a
 * `<table>_live` view without them. A batch is written with one version-guarded INSERT ... ON CONFLICT statement
 * per table; when that statement fails on a value the table cannot hold, the batch is written again one event per
 * statement so only the events at fault are rejected.
 */
import type { ResolvedConnection } from '../../config/connections.js';
import type { ChangeEvent } from '../../events/envelope.js';
import { createLogger } from '../../logging.js';
import type { Projection } from '../projection.js';
import {
  TargetError,
  type ApplyOutcome,
  type DocumentRef,
  type HeldDocument,
  type HeldVersion,
  type Target,
} from '../target.js';
import { checkedPageSize } from '../read-back.js';
import { listHeld, readHeldVersions, type ReadSettings } from './read-back.js';
import type { PostgresTargetConfig, ProjectionColumn } from './config.js';
import { batchError, classifyPostgresError, rowError, sqlStateOf } from './errors.js';
import { acquirePool, type Queryable } from './pool.js';
import { rowFor, statementGroups, type Row } from './rows.js';
import { buildUpsert, type TableRef } from './statements.js';
import { prepareTable, TableNameError } from './tables.js';
import { messageOf } from '../../errors.js';
import { throwIfShuttingDown } from '../../lifecycle/shutdown.js';

export interface PostgresTargetOptions {
  name: string;
  pool: Queryable;
  schema: string;
  /** Table name template; `{source}` is replaced by the event's source name. */
  table: string;
  columns?: readonly ProjectionColumn[];
  createTableIfNotExists: boolean;
  /** Sources whose tables `open()` prepares; tables of other sources are prepared when their first event comes. */
  sources?: readonly string[] | undefined;
  maxStatementBytes?: number;
  project?: Projection | undefined;
  /** Gives the pool back (shared pools end with their last user); called by `close()`. */
  release?: () => Promise<void>;
  /** Refs per statement of `readVersions`, rows per page of `listDocuments`. */
  readPageSize?: number;
}

/** SQLSTATEs after which a cached table is checked again: it was dropped or altered behind the target's back. */
const CATALOG_CHANGED = new Set(['42P01', '42703']);

export class PostgresTarget implements Target {
  readonly name: string;
  private readonly tables = new Map<string, Promise<TableRef>>();
  private opened = false;
  private readonly reads: ReadSettings;

  constructor(private readonly options: PostgresTargetOptions) {
    this.name = options.name;
    const { pool, schema, table } = options;
    this.reads = { target: this.name, pool, schema, table, pageSize: checkedPageSize(options.readPageSize, 100_000) };
  }

  async open(): Promise<void> {
    for (const source of this.options.sources ?? []) await this.tableFor(source);
    this.opened = true;
  }

  async applyBatch(events: readonly ChangeEvent[], signal?: AbortSignal): Promise<ApplyOutcome[]> {
    // Its client cannot cancel a request in flight: a shutdown stops it before it starts, or the batch runs its course.
    throwIfShuttingDown(signal);
    this.checkOpen();
    const outcomes: ApplyOutcome[] = new Array(events.length);
    const bySource = new Map<string, { index: number; row: Row }[]>();
    events.forEach((event, index) => {
      try {
        const row = rowFor(event, this.options.project);
        const list = bySource.get(row.source) ?? [];
        list.push({ index, row });
        bySource.set(row.source, list);
      } catch (error) {
        const message = `projection of ${event.documentId} failed: ${messageOf(error)}`;
        outcomes[index] = {
          eventId: event.eventId,
          status: 'rejected',
          error: TargetError.permanent('PROJECTION_FAILED', message, error),
        };
      }
    });
    for (const [source, entries] of bySource) {
      let ref: TableRef;
      try {
        ref = await this.tableFor(source);
      } catch (error) {
        if (!(error instanceof TableNameError)) throw error;
        for (const { index, row } of entries) outcomes[index] = { eventId: row.eventId, status: 'rejected', error };
        continue;
      }
      const indexOf = new Map(entries.map(({ index, row }) => [row, index]));
      const groups = statementGroups(
        entries.map(({ row }) => row),
        this.options.maxStatementBytes ?? 64 * 1024 * 1024,
      );
      for (const group of groups) {
        for (const [row, outcome] of await this.write(source, ref, group))
          outcomes[indexOf.get(row) as number] = outcome;
      }
    }
    return outcomes;
  }

  async readVersions(refs: readonly DocumentRef[], signal?: AbortSignal): Promise<Array<HeldVersion | undefined>> {
    this.checkOpen();
    return readHeldVersions(this.reads, refs, signal);
  }

  async *listDocuments(source: string, signal?: AbortSignal): AsyncIterable<HeldDocument[]> {
    this.checkOpen();
    yield* listHeld(this.reads, source, signal);
  }

  async close(): Promise<void> {
    this.opened = false;
    this.tables.clear();
    await this.options.release?.();
  }

  private checkOpen(): void {
    if (!this.opened) throw TargetError.transient('POSTGRES_TARGET_NOT_OPEN', `target ${this.name} is not open`);
  }

  /** One statement for the rows; on a data error, one statement per row so only the bad rows are rejected. */
  private async write(source: string, ref: TableRef, rows: readonly Row[]): Promise<Map<Row, ApplyOutcome>> {
    const outcomes = new Map<Row, ApplyOutcome>();
    const { text, values } = buildUpsert(ref, this.options.columns ?? [], rows);
    try {
      const result = await this.options.pool.query<{ event_id: string }>(text, values);
      const applied = new Set(result.rows.map((returned) => returned.event_id));
      for (const row of rows) {
        outcomes.set(row, { eventId: row.eventId, status: applied.has(row.eventId) ? 'applied' : 'stale' });
      }
      return outcomes;
    } catch (error) {
      if (classifyPostgresError(error) !== 'row') {
        if (CATALOG_CHANGED.has(sqlStateOf(error) ?? '')) this.tables.delete(source);
        throw batchError(this.name, error);
      }
      if (rows.length === 1) {
        const row = rows[0] as Row;
        return outcomes.set(row, { eventId: row.eventId, status: 'rejected', error: rowError(row.id, error) });
      }
    }
    // Rare path (a batch holding a bad value): one statement per row, in order; only such batches pay for it.
    for (const row of rows)
      for (const [one, outcome] of await this.write(source, ref, [row])) outcomes.set(one, outcome);
    return outcomes;
  }

  /** The prepared table of a source; a failed preparation is forgotten so the next batch tries again. */
  private tableFor(source: string): Promise<TableRef> {
    let pending = this.tables.get(source);
    if (!pending) {
      const settings = { ...this.options, target: this.name, columns: this.options.columns ?? [] };
      pending = prepareTable(this.options.pool, settings, source).catch((error: unknown) => {
        this.tables.delete(source);
        throw error;
      });
      this.tables.set(source, pending);
    }
    return pending;
  }
}

const idleLog = createLogger(console, 'warn');

/** Builds a PostgreSQL target from its config entry and resolved connection, on the process's shared pool. */
export function createPostgresTarget(config: PostgresTargetConfig, connection: ResolvedConnection): PostgresTarget {
  const { pool, release } = acquirePool(connection, {
    poolSize: config.poolSize,
    connectTimeoutMs: config.connectTimeoutMs,
    statementTimeoutMs: config.statementTimeoutMs,
    applicationName: `cosmos-sync/${config.name}`,
    // The pool replaces a broken idle connection by itself; the line says why a server restart left a trace.
    onIdleError: (error) => idleLog.warn('postgres.idle_connection_error', { target: config.name, error }),
  });
  return new PostgresTarget({
    name: config.name,
    pool,
    schema: config.schema,
    table: config.table,
    columns: config.columns,
    createTableIfNotExists: config.createTableIfNotExists,
    sources: config.sources,
    maxStatementBytes: config.maxStatementBytes,
    release,
  });
}

export { postgresTargetSchema, type PostgresTargetConfig } from './config.js';
