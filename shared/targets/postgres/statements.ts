/**
 * The SQL the target runs. The batch write is one INSERT ... SELECT FROM unnest(arrays): one parameter per column
 * rather than per value, so a batch of any size binds 8 + (projection columns) parameters and never meets the
 * protocol's 65,535-parameter limit. ON CONFLICT applies the version guard of `isNewer` in SQL: a row is replaced
 * only when the incoming (lsn, ts) is strictly greater. RETURNING lists the event ids actually written; an event
 * missing from it was stale.
 */
import type { ProjectionColumn } from './config.js';
import { LIVE_VIEW_SUFFIX, qualifiedName, quoteIdentifier } from './identifiers.js';
import type { Row } from './rows.js';

export interface TableRef {
  schema: string;
  table: string;
}

export interface Statement {
  text: string;
  values: unknown[];
}

/** Input arrays, in parameter order; `document` arrives as jsonb so projections can read it. */
const INPUT_COLUMNS = [
  ['source', 'text'],
  ['partition_key', 'text'],
  ['id', 'text'],
  ['lsn', 'bigint'],
  ['ts', 'bigint'],
  ['deleted', 'boolean'],
  ['event_id', 'text'],
  ['document', 'jsonb'],
] as const;

/** A projection reads the path with #>> (text) and casts, so PostgreSQL itself decides whether a value fits. */
function projectionExpression(column: ProjectionColumn, pathParameter: number): string {
  const path = `i.document #> $${pathParameter}::text[]`;
  return column.type === 'jsonb' ? `(${path})` : `(i.document #>> $${pathParameter}::text[])::${column.type}`;
}

export function buildUpsert(ref: TableRef, columns: readonly ProjectionColumn[], rows: readonly Row[]): Statement {
  const projected = columns.map((column) => quoteIdentifier(column.column));
  const targetColumns = [...INPUT_COLUMNS.map(([name]) => name), 'updated_at', ...projected];
  const selected = [
    'i.source',
    'i.partition_key::jsonb',
    'i.id',
    'i.lsn',
    'i.ts',
    'i.deleted',
    'i.event_id',
    'i.document',
    'now()',
    ...columns.map((column, index) => projectionExpression(column, INPUT_COLUMNS.length + index + 1)),
  ];
  const unnest = INPUT_COLUMNS.map(([, type], index) => `$${index + 1}::${type}[]`).join(', ');
  const updates = targetColumns
    .filter((name) => !['source', 'partition_key', 'id'].includes(name))
    .map((name) => `${name} = excluded.${name}`);
  const text = [
    `INSERT INTO ${qualifiedName(ref.schema, ref.table)} AS stored (${targetColumns.join(', ')})`,
    `SELECT ${selected.join(', ')}`,
    `FROM unnest(${unnest}) AS i(${INPUT_COLUMNS.map(([name]) => name).join(', ')})`,
    `ON CONFLICT (source, partition_key, id) DO UPDATE SET ${updates.join(', ')}`,
    'WHERE stored.lsn < excluded.lsn OR (stored.lsn = excluded.lsn AND stored.ts < excluded.ts)',
    'RETURNING event_id',
  ].join('\n');
  const values: unknown[] = [
    rows.map((row) => row.source),
    rows.map((row) => row.partitionKey),
    rows.map((row) => row.id),
    rows.map((row) => row.lsn),
    rows.map((row) => row.ts),
    rows.map((row) => row.deleted),
    rows.map((row) => row.eventId),
    rows.map((row) => row.document),
    ...columns.map((column) => column.path.split('.')),
  ];
  return { text, values };
}

/** What exists already, from `catalogQuery`; DDL is planned from it so a restart changes nothing. */
export interface CatalogState {
  schemaExists: boolean;
  tableExists: boolean;
  viewExists: boolean;
  columns: readonly string[];
}

export function catalogQuery(ref: TableRef): Statement {
  return {
    text: [
      'SELECT EXISTS (SELECT 1 FROM pg_namespace WHERE nspname = $1) AS "schemaExists",',
      '  to_regclass($2) IS NOT NULL AS "tableExists",',
      '  to_regclass($3) IS NOT NULL AS "viewExists",',
      '  COALESCE((SELECT array_agg(attname::text) FROM pg_attribute',
      '    WHERE attrelid = to_regclass($2) AND attnum > 0 AND NOT attisdropped), ARRAY[]::text[]) AS columns',
    ].join('\n'),
    values: [ref.schema, qualifiedName(ref.schema, ref.table), viewName(ref)],
  };
}

export const viewName = (ref: TableRef): string => qualifiedName(ref.schema, `${ref.table}${LIVE_VIEW_SUFFIX}`);

/** Projection columns the table lacks. */
export function missingColumns(columns: readonly ProjectionColumn[], catalog: CatalogState): ProjectionColumn[] {
  return catalog.tableExists ? columns.filter((column) => !catalog.columns.includes(column.column)) : [...columns];
}

/**
 * The DDL that brings one table to what the config describes: schema, table, projection columns added later, and
 * the live view; nothing when all exist. Run inside a transaction holding `ddlLockStatement`, so processes starting
 * together do not race (CREATE ... IF NOT EXISTS is not atomic in PostgreSQL and can fail on the catalog).
 */
export function planDdl(ref: TableRef, columns: readonly ProjectionColumn[], catalog: CatalogState): string[] {
  const table = qualifiedName(ref.schema, ref.table);
  const added = missingColumns(columns, catalog);
  const statements: string[] = [];
  // CREATE SCHEMA checks the database privilege even when the schema exists, so it only runs when needed.
  if (!catalog.schemaExists) statements.push(`CREATE SCHEMA IF NOT EXISTS ${quoteIdentifier(ref.schema)}`);
  if (!catalog.tableExists) {
    statements.push(
      [
        `CREATE TABLE IF NOT EXISTS ${table} (`,
        '  source text NOT NULL,',
        '  partition_key jsonb NOT NULL,',
        '  id text NOT NULL,',
        '  lsn bigint NOT NULL,',
        '  ts bigint NOT NULL,',
        '  deleted boolean NOT NULL,',
        '  event_id text NOT NULL,',
        '  document jsonb,',
        '  updated_at timestamptz NOT NULL,',
        '  PRIMARY KEY (source, partition_key, id),',
        '  CHECK (deleted = (document IS NULL))',
        ')',
      ].join('\n'),
    );
  }
  for (const column of added) {
    statements.push(`ALTER TABLE ${table} ADD COLUMN IF NOT EXISTS ${quoteIdentifier(column.column)} ${column.type}`);
  }
  // SELECT * is expanded when a view is made, so the view is replaced when columns were added.
  if (!catalog.viewExists || added.length > 0) {
    statements.push(`CREATE OR REPLACE VIEW ${viewName(ref)} AS SELECT * FROM ${table} WHERE NOT deleted`);
  }
  return statements;
}

/** The lock key serialising DDL for one table across processes. */
export function ddlLockStatement(ref: TableRef): Statement {
  return {
    text: 'SELECT pg_advisory_xact_lock(hashtextextended($1, 0))',
    values: [`cosmos-sync:${ref.schema}.${ref.table}`],
  };
}
