/**
 * Reading back the PostgreSQL target beyond the contract: its cost (one statement per source per page of refs, one
 * per listing page, the listing's keyset condition served by the primary key index) and that reading creates
 * nothing: a source without a table holds nothing, even with `createTableIfNotExists`.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresTarget } from '../../shared/targets/postgres/index.js';
import type { Queryable } from '../../shared/targets/postgres/pool.js';
import { refOf } from '../../shared/targets/read-back.js';
import { makeEvent } from '../support/events.js';
import { requireService } from '../support/require-service.js';
import {
  createTestSchema,
  POSTGRES_SERVICE,
  POSTGRES_URL,
  probePostgres,
  type TestSchema,
} from './postgres-harness.js';

const available = await requireService(POSTGRES_SERVICE, probePostgres);

/** Records every statement with its values, so a test can count round trips and explain what was sent. */
function recordingPool(pool: pg.Pool): { pool: Queryable; statements: { text: string; values: unknown[] }[] } {
  const statements: { text: string; values: unknown[] }[] = [];
  const query = ((text: string, values: unknown[] = []) => {
    statements.push({ text, values });
    return pool.query(text, values);
  }) as Queryable['query'];
  return { pool: { query, connect: pool.connect.bind(pool) }, statements };
}

describe.runIf(available)('postgres target, reading back', () => {
  let db: TestSchema;
  let pool: pg.Pool;
  beforeAll(async () => {
    db = await createTestSchema('pgread');
    pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 4 });
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  const make = async (recording: Queryable, readPageSize: number) => {
    const target = new PostgresTarget({
      name: 'pg',
      pool: recording,
      schema: db.schema,
      table: 'copy_{source}',
      createTableIfNotExists: true,
      readPageSize,
    });
    await target.open();
    return target;
  };

  it('reads versions with one statement per source per page of refs, and creates no table for an unknown source', async () => {
    const recording = recordingPool(pool);
    const target = await make(recording.pool, 500);
    const events = Array.from({ length: 600 }, (_, index) =>
      makeEvent({ id: `d${index}`, pk: index % 3 === 0 ? index : `p${index % 7}`, lsn: 2, source: 'orders' }),
    );
    await target.applyBatch(events);
    recording.statements.length = 0;
    const refs = [...events.map(refOf), { source: 'nowhere', documentId: 'd1', partitionKey: 'p1' }];
    const held = await target.readVersions(refs);
    expect(held.slice(0, 600)).toEqual(events.map((event) => ({ version: event.version, deleted: false })));
    expect(held[600]).toBeUndefined();
    // orders: 600 refs in pages of 500; nowhere: one statement, which finds no table.
    expect(recording.statements).toHaveLength(3);
    expect((await collect(target.listDocuments('nowhere'))).flat()).toEqual([]);
    const { rows } = await db.admin.query(`SELECT to_regclass($1) AS found`, [`"${db.schema}"."copy_nowhere"`]);
    expect(rows[0]).toEqual({ found: null });
  });

  it('lists with keyset pages that the primary key index serves', async () => {
    const recording = recordingPool(pool);
    const target = await make(recording.pool, 50);
    const events = Array.from({ length: 120 }, (_, index) =>
      makeEvent({
        id: `k${index}`,
        pk: index % 2 === 0 ? ['t', index % 5] : `p${index % 4}`,
        lsn: 1,
        source: 'keyset',
      }),
    );
    await target.applyBatch(events);
    recording.statements.length = 0;
    const pages = await collect(target.listDocuments('keyset'));
    expect(pages.map((page) => page.length)).toEqual([50, 50, 20]);
    expect(recording.statements).toHaveLength(3);
    const next = recording.statements[1] as { text: string; values: unknown[] };
    // With sequential scans ruled out, a plan exists only if the index can serve the row comparison and the order.
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SET LOCAL enable_seqscan = off');
      const { rows } = await client.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${next.text}`, next.values);
      const plan = rows.map((row) => row['QUERY PLAN']).join('\n');
      expect(plan).toMatch(/Index (Only )?Scan using copy_keyset_pkey/);
      expect(plan).not.toMatch(/Sort/);
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
  });
});

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const items: T[] = [];
  for await (const item of iterable) items.push(item);
  return items;
}
