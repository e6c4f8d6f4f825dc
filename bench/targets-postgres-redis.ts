/**
 * Apply throughput of the PostgreSQL target for batches of 500 events, against baselines measured in the same run on
 * the same server: one statement per event, and a plain multi-row INSERT of the same rows without any version guard
 * (the cost floor of writing the rows at all). Uses the server the tests use (POSTGRES_TEST_URL); everything it
 * writes goes under a random schema, dropped at the end. The Redis benchmark is in targets-redis.ts.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { ChangeEvent } from '../shared/events/envelope.js';
import { PostgresTarget } from '../shared/targets/postgres/index.js';
import { qualifiedName, quoteIdentifier } from '../shared/targets/postgres/identifiers.js';
import { rowFor, type Row } from '../shared/targets/postgres/rows.js';
import { buildUpsert } from '../shared/targets/postgres/statements.js';
import { applyAll, BATCH, batchesOf } from './target-events.js';
import { measure, perSecond, printRows, progress, type Measurement } from './support.js';

const POSTGRES_URL = process.env['POSTGRES_TEST_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';

const row = (m: Measurement, baseline: Measurement, floor?: Measurement) => ({
  path: m.label,
  events: m.count,
  'events/s': perSecond(m),
  'x naive': perSecond(m) / perSecond(baseline),
  ...(floor ? { '% plain insert': (perSecond(m) / perSecond(floor)) * 100 } : {}),
});

/** A plain multi-row INSERT of the same rows: no ON CONFLICT, no guard, no RETURNING. */
function plainInsert(table: string, rows: readonly Row[]): { text: string; values: unknown[] } {
  const values: unknown[] = [];
  const tuples = rows.map((r) => {
    const at = values.length;
    values.push(r.source, r.partitionKey, r.id, r.lsn, r.ts, r.deleted, r.eventId, r.document);
    const p = (n: number) => `$${at + n}`;
    return `(${p(1)}, ${p(2)}::jsonb, ${p(3)}, ${p(4)}, ${p(5)}, ${p(6)}, ${p(7)}, ${p(8)}::jsonb, now())`;
  });
  const columns = 'source, partition_key, id, lsn, ts, deleted, event_id, document, updated_at';
  return { text: `INSERT INTO ${table} (${columns}) VALUES ${tuples.join(', ')}`, values };
}

export async function benchPostgres(events = 10_000): Promise<void> {
  const schema = `bench_${randomUUID().replaceAll('-', '').slice(0, 10)}`;
  const pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 2 });
  const tableOf = (source: string) => qualifiedName(schema, source);
  try {
    const target = new PostgresTarget({ name: 'bench', pool, schema, table: '{source}', createTableIfNotExists: true });
    await target.open();
    const apply = (batches: ChangeEvent[][]) => applyAll(target, batches);
    // Every path writes to a table of its own (same DDL), so none of them finds rows another one wrote.
    await apply(batchesOf('warmup', BATCH, 1));
    progress(`postgres: target, ${events} inserts`);
    const insertBatches = batchesOf('target', events, 1);
    const inserts = await measure('target: guarded upsert, 1 statement/batch (new rows)', events, () =>
      apply(insertBatches),
    );
    progress(`postgres: target, ${events} updates`);
    const updateBatches = batchesOf('target', events, 2);
    const updates = await measure('target: guarded upsert, 1 statement/batch (newer versions)', events, () =>
      apply(updateBatches),
    );
    progress(`postgres: plain multi-row insert, ${events} rows`);
    await apply(batchesOf('plain', 1, 1));
    await pool.query(`TRUNCATE ${tableOf('plain')}`);
    const plainBatches = batchesOf('plain', events, 1);
    const plain = await measure('plain multi-row INSERT, no guard (floor)', events, async () => {
      for (const batch of plainBatches) {
        const { text, values } = plainInsert(
          tableOf('plain'),
          batch.map((event) => rowFor(event, undefined)),
        );
        await pool.query(text, values);
      }
    });
    const naiveCount = Math.min(events, 2_000);
    progress(`postgres: naive, ${naiveCount} statements`);
    await apply(batchesOf('naive', 1, 1));
    const naiveBatches = batchesOf('naive', naiveCount, 3);
    const naive = await measure('naive: guarded upsert, 1 statement/event', naiveCount, async () => {
      for (const batch of naiveBatches) {
        for (const event of batch) {
          const { text, values } = buildUpsert({ schema, table: 'naive' }, [], [rowFor(event, undefined)]);
          await pool.query(text, values);
        }
      }
    });
    await target.close();
    printRows(`PostgreSQL target: apply throughput, batches of ${BATCH}`, [
      row(inserts, naive, plain),
      row(updates, naive, plain),
      row(plain, naive, plain),
      row(naive, naive, plain),
    ]);
  } finally {
    await pool.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
    await pool.end();
  }
}

export { benchRedis } from './targets-redis.js';
