/**
 * Making sure a source's table is there before rows are written: resolve its name from the template, read the
 * catalog, and (when configured) create what is missing under an advisory lock. Done once per table per process.
 */
import type { PoolClient } from 'pg';
import { TargetError } from '../target.js';
import type { ProjectionColumn } from './config.js';
import { batchError } from './errors.js';
import { tableForSource } from './identifiers.js';
import type { Queryable } from './pool.js';
import {
  catalogQuery,
  ddlLockStatement,
  missingColumns,
  planDdl,
  type CatalogState,
  type TableRef,
} from './statements.js';

export interface TableSettings {
  target: string;
  schema: string;
  table: string;
  columns: readonly ProjectionColumn[];
  createTableIfNotExists: boolean;
}

/** A source whose table name cannot be made: permanent for that source's events. */
export class TableNameError extends TargetError {
  constructor(message: string) {
    super('POSTGRES_TABLE_NAME', message, false);
  }
}

async function readCatalog(db: Queryable | PoolClient, ref: TableRef): Promise<CatalogState> {
  const { text, values } = catalogQuery(ref);
  const { rows } = await db.query<CatalogState>(text, values);
  const row = rows[0];
  if (!row) throw new Error('catalog query returned no row');
  return row;
}

async function createMissing(pool: Queryable, ref: TableRef, columns: readonly ProjectionColumn[]): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    const lock = ddlLockStatement(ref);
    await client.query(lock.text, lock.values);
    // Read again under the lock: another process may have created the table meanwhile.
    for (const statement of planDdl(ref, columns, await readCatalog(client, ref))) await client.query(statement);
    await client.query('COMMIT');
    client.release();
  } catch (error) {
    // Destroying the connection aborts the open transaction; a ROLLBACK could fail the same way the work did.
    client.release(error instanceof Error ? error : true);
    throw error;
  }
}

export async function prepareTable(pool: Queryable, settings: TableSettings, source: string): Promise<TableRef> {
  const resolved = tableForSource(settings.table, source);
  if ('problem' in resolved) throw new TableNameError(`PostgreSQL target ${settings.target}: ${resolved.problem}`);
  const ref = { schema: settings.schema, table: resolved.table };
  const where = `${ref.schema}.${ref.table}`;
  try {
    const catalog = await readCatalog(pool, ref);
    if (settings.createTableIfNotExists) {
      if (planDdl(ref, settings.columns, catalog).length > 0) await createMissing(pool, ref, settings.columns);
      return ref;
    }
    if (!catalog.tableExists) {
      throw TargetError.permanent(
        'POSTGRES_TABLE_MISSING',
        `PostgreSQL target ${settings.target}: table ${where} does not exist and createTableIfNotExists is false`,
      );
    }
    const missing = missingColumns(settings.columns, catalog).map((column) => column.column);
    if (missing.length > 0) {
      throw TargetError.permanent(
        'POSTGRES_COLUMNS_MISSING',
        `PostgreSQL target ${settings.target}: table ${where} lacks projection column(s) ${missing.join(', ')}`,
      );
    }
    return ref;
  } catch (error) {
    throw error instanceof TargetError ? error : batchError(settings.target, error);
  }
}
