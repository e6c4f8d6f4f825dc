/**
 * PostgreSQL identifiers: validation with messages that name the config field, and quoting. Every schema, table,
 * view and column name reaches SQL only through `quoteIdentifier`, never interpolated raw, so a name from config
 * cannot change a statement's meaning even if validation were loosened later.
 */
import { escapeIdentifier } from 'pg';

/** NAMEDATALEN - 1: PostgreSQL silently truncates longer names, which would make two tables collide. */
export const MAX_IDENTIFIER_BYTES = 63;
/** Every table gets a `<table>_live` view, so a table name leaves room for the suffix. */
export const LIVE_VIEW_SUFFIX = '_live';
export const MAX_TABLE_BYTES = MAX_IDENTIFIER_BYTES - LIVE_VIEW_SUFFIX.length;

/** Columns the target owns; a projection column cannot take one of these names. */
export const RESERVED_COLUMNS = [
  'source',
  'partition_key',
  'id',
  'lsn',
  'ts',
  'deleted',
  'event_id',
  'document',
  'updated_at',
] as const;

/**
 * Returns a problem (naming `field`) or undefined. Letters, digits, `_` and `-` only: quoting would make anything
 * safe, but names readers can type without surprises are worth the restriction.
 */
export function identifierProblem(field: string, value: string, maxBytes = MAX_IDENTIFIER_BYTES): string | undefined {
  if (!/^[A-Za-z0-9_][A-Za-z0-9_-]*$/.test(value)) {
    return `${field}: "${value}" is not a valid name; use letters, digits, "_" or "-", not starting with "-"`;
  }
  if (Buffer.byteLength(value, 'utf8') > maxBytes) {
    return `${field}: "${value}" is longer than ${maxBytes} bytes (PostgreSQL would truncate it)`;
  }
  if (/^pg_/i.test(value)) return `${field}: "${value}" starts with "pg_", which PostgreSQL reserves`;
  return undefined;
}

/** Quotes one identifier for SQL; refuses what no identifier may contain rather than producing broken SQL. */
export function quoteIdentifier(name: string): string {
  if (name.length === 0 || name.includes('\u0000')) {
    throw new RangeError(`cannot quote identifier ${JSON.stringify(name)}: empty or contains NUL`);
  }
  return escapeIdentifier(name);
}

/** `"schema"."table"`. */
export function qualifiedName(schema: string, table: string): string {
  return `${quoteIdentifier(schema)}.${quoteIdentifier(table)}`;
}

/** The table a source's rows go to: the template with `{source}` replaced, validated like a configured name. */
export function tableForSource(template: string, source: string): { table: string } | { problem: string } {
  const table = template.replaceAll('{source}', source);
  const problem = identifierProblem('table', table, MAX_TABLE_BYTES);
  return problem ? { problem: `${problem} (from source "${source}")` } : { table };
}
