/**
 * Reading back what a PostgreSQL target holds (for `cosmos-sync verify`), without creating anything: a source whose
 * table does not exist (or whose name cannot be made) holds nothing. Versions of given refs: one statement per source
 * per page of refs, the refs passed as two array parameters and joined on the primary key (an index lookup each).
 * The listing of a source: keyset pagination on the primary key (`(partition_key, id) > last seen`), one indexed
 * statement per page, so a page costs the same however deep into the table it is.
 */
import type { PartitionKeyValue } from '../../events/envelope.js';
import { throwIfShuttingDown } from '../../lifecycle/shutdown.js';
import { chunk, groupBySource } from '../read-back.js';
import type { DocumentRef, HeldDocument, HeldVersion } from '../target.js';
import { batchError, sqlStateOf } from './errors.js';
import { qualifiedName, tableForSource } from './identifiers.js';
import type { Queryable } from './pool.js';

export interface ReadSettings {
  target: string;
  pool: Queryable;
  schema: string;
  /** The table template; `{source}` is replaced by the source name. */
  table: string;
  pageSize: number;
}

interface VersionRow {
  lsn: string;
  ts: string;
  deleted: boolean;
}

/** `42P01`: the source's table does not exist, so the target holds nothing for it. */
const UNDEFINED_TABLE = '42P01';

const heldOf = (row: VersionRow): HeldVersion => ({
  version: { lsn: Number(row.lsn), ts: Number(row.ts) },
  deleted: row.deleted,
});

function tableOf(settings: ReadSettings, source: string): string | undefined {
  const resolved = tableForSource(settings.table, source);
  return 'table' in resolved ? qualifiedName(settings.schema, resolved.table) : undefined;
}

/** Rows of a read, or undefined when the table is missing; any other failure is the batch's error. */
async function query<R extends object>(
  settings: ReadSettings,
  text: string,
  values: unknown[],
): Promise<R[] | undefined> {
  try {
    return (await settings.pool.query<R>(text, values)).rows;
  } catch (error) {
    if (sqlStateOf(error) === UNDEFINED_TABLE) return undefined;
    throw batchError(settings.target, error);
  }
}

export async function readHeldVersions(
  settings: ReadSettings,
  refs: readonly DocumentRef[],
  signal?: AbortSignal,
): Promise<Array<HeldVersion | undefined>> {
  const answers = new Array<HeldVersion | undefined>(refs.length).fill(undefined);
  for (const [source, entries] of groupBySource(refs)) {
    const table = tableOf(settings, source);
    if (!table) continue;
    for (const page of chunk(entries, settings.pageSize)) {
      // Its client cannot cancel a statement in flight: a shutdown stops the read before the next one.
      throwIfShuttingDown(signal);
      const rows = await query<VersionRow & { n: string }>(
        settings,
        [
          'SELECT i.n, t.lsn, t.ts, t.deleted',
          'FROM unnest($2::text[], $3::text[]) WITH ORDINALITY AS i(partition_key, id, n)',
          `JOIN ${table} t ON t.source = $1 AND t.partition_key = i.partition_key::jsonb AND t.id = i.id`,
        ].join('\n'),
        [source, page.map(({ ref }) => JSON.stringify(ref.partitionKey)), page.map(({ ref }) => ref.documentId)],
      );
      if (!rows) break;
      for (const row of rows) answers[(page[Number(row.n) - 1] as { index: number }).index] = heldOf(row);
    }
  }
  return answers;
}

export async function* listHeld(
  settings: ReadSettings,
  source: string,
  signal?: AbortSignal,
): AsyncIterable<HeldDocument[]> {
  const table = tableOf(settings, source);
  if (!table) return;
  // Not aliased `partition_key`: ORDER BY would then sort by the text, not by the jsonb the cursor compares.
  const columns = 'SELECT partition_key::text AS key_text, id, lsn, ts, deleted';
  const order = (limit: number) => `ORDER BY partition_key, id LIMIT $${limit}`;
  let after: { partitionKey: string; id: string } | undefined;
  for (;;) {
    throwIfShuttingDown(signal);
    // A row comparison on the primary key's columns, after the equality on its first: an index range scan.
    const rows = await query<VersionRow & { key_text: string; id: string }>(
      settings,
      after
        ? `${columns} FROM ${table} WHERE source = $1 AND (partition_key, id) > ($2::jsonb, $3::text) ${order(4)}`
        : `${columns} FROM ${table} WHERE source = $1 ${order(2)}`,
      after ? [source, after.partitionKey, after.id, settings.pageSize] : [source, settings.pageSize],
    );
    if (!rows || rows.length === 0) return;
    yield rows.map((row) => ({
      source,
      documentId: row.id,
      partitionKey: JSON.parse(row.key_text) as PartitionKeyValue,
      ...heldOf(row),
    }));
    if (rows.length < settings.pageSize) return;
    const last = rows[rows.length - 1] as { key_text: string; id: string };
    after = { partitionKey: last.key_text, id: last.id };
  }
}
