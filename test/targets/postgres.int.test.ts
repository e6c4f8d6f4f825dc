import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResolvedConnection } from '../../shared/config/connections.js';
import { createPostgresTarget, PostgresTarget, postgresTargetSchema } from '../../shared/targets/postgres/index.js';
import { qualifiedName } from '../../shared/targets/postgres/identifiers.js';
import type { Queryable } from '../../shared/targets/postgres/pool.js';
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

/** Counts statements sent through `query`, so a test can assert on round trips without server-side statistics. */
function countingPool(pool: pg.Pool): { pool: Queryable; statements: string[] } {
  const statements: string[] = [];
  const query = ((text: string, values?: unknown[]) => {
    statements.push(text);
    return pool.query(text, values);
  }) as Queryable['query'];
  return { pool: { query, connect: pool.connect.bind(pool) }, statements };
}

describe.runIf(available)('postgres target', () => {
  let db: TestSchema;
  let pool: pg.Pool;
  const make = async (options: Partial<ConstructorParameters<typeof PostgresTarget>[0]> = {}) => {
    const target = new PostgresTarget({
      name: 'pg',
      pool,
      schema: db.schema,
      table: 'copy_{source}',
      columns: [
        { column: 'total', path: 'total', type: 'numeric' },
        { column: 'city', path: 'address.city', type: 'text' },
      ],
      createTableIfNotExists: true,
      ...options,
    });
    await target.open();
    return target;
  };

  beforeAll(async () => {
    db = await createTestSchema('pgtarget');
    pool = new pg.Pool({ connectionString: POSTGRES_URL, max: 4 });
  });
  afterAll(async () => {
    await pool?.end();
    await db?.drop();
  });

  it('applies a batch of 1,000 events in one statement, then reports replays as stale', async () => {
    const counting = countingPool(pool);
    const target = await make({ pool: counting.pool, sources: ['bulk'] });
    const events = Array.from({ length: 1_000 }, (_, index) =>
      makeEvent({ id: `d${index}`, pk: `p${index % 7}`, lsn: 10, source: 'bulk', data: { total: index } }),
    );
    counting.statements.length = 0;
    const outcomes = await target.applyBatch(events);
    expect(counting.statements).toHaveLength(1);
    expect(outcomes.every((outcome) => outcome.status === 'applied')).toBe(true);
    expect(outcomes.map((outcome) => outcome.eventId)).toEqual(events.map((event) => event.eventId));
    const older = events.map((event, index) =>
      makeEvent({ id: event.documentId, pk: `p${index % 7}`, lsn: 9, source: 'bulk' }),
    );
    expect(new Set((await target.applyBatch(older)).map((outcome) => outcome.status))).toEqual(new Set(['stale']));
    const { rows } = await db.admin.query<{ count: string; sum: string }>(
      `SELECT count(*), sum(total) FROM ${qualifiedName(db.schema, 'copy_bulk')} WHERE lsn = 10`,
    );
    expect(rows[0]).toEqual({ count: '1000', sum: String((999 * 1000) / 2) });
  });

  it('fills typed projection columns and hides tombstones in the live view', async () => {
    const target = await make();
    await target.applyBatch([
      makeEvent({ id: 'a', lsn: 1, source: 'shop', data: { total: '12.50', address: { city: 'Oslo' } } }),
      makeEvent({ id: 'b', lsn: 1, source: 'shop', data: { total: 3 } }),
    ]);
    await target.applyBatch([makeEvent({ id: 'b', lsn: 2, source: 'shop', op: 'delete' })]);
    const table = qualifiedName(db.schema, 'copy_shop');
    const { rows } = await db.admin.query(`SELECT id, total, city, deleted, document FROM ${table} ORDER BY id`);
    expect(rows).toEqual([
      { id: 'a', total: '12.50', city: 'Oslo', deleted: false, document: expect.objectContaining({ id: 'a' }) },
      { id: 'b', total: null, city: null, deleted: true, document: null },
    ]);
    const live = await db.admin.query(`SELECT id FROM ${qualifiedName(db.schema, 'copy_shop_live')}`);
    expect(live.rows).toEqual([{ id: 'a' }]);
  });

  it('rejects only the events the table cannot hold, falling back to one statement per event', async () => {
    const counting = countingPool(pool);
    const target = await make({ pool: counting.pool, sources: ['mixed'] });
    const good = Array.from({ length: 5 }, (_, index) => makeEvent({ id: `g${index}`, lsn: 1, source: 'mixed' }));
    const badNumber = makeEvent({ id: 'bad-number', lsn: 1, source: 'mixed', data: { total: 'twelve' } });
    const nulChar = makeEvent({ id: 'bad-nul', lsn: 1, source: 'mixed', data: { text: 'a\u0000b' } });
    counting.statements.length = 0;
    const [first, ...rest] = good;
    const outcomes = await target.applyBatch([first!, badNumber, ...rest, nulChar]);
    expect(counting.statements).toHaveLength(1 + 7);
    expect(outcomes.map((outcome) => outcome.status)).toEqual([
      'applied',
      'rejected',
      'applied',
      'applied',
      'applied',
      'applied',
      'rejected',
    ]);
    expect(outcomes[1]).toMatchObject({ error: { code: 'POSTGRES_22P02', retryable: false } });
    expect(outcomes[6]).toMatchObject({ error: { code: 'POSTGRES_22P05', retryable: false } });
  });

  it('creates a table for a source seen for the first time, and adds projection columns later', async () => {
    const first = await make({ columns: [] });
    await first.applyBatch([makeEvent({ id: 'x', lsn: 1, source: 'late', data: { total: 5 } })]);
    const second = await make({ sources: ['late'] });
    await second.applyBatch([makeEvent({ id: 'x', lsn: 2, source: 'late', data: { total: 6 } })]);
    const { rows } = await db.admin.query(`SELECT total FROM ${qualifiedName(db.schema, 'copy_late_live')}`);
    expect(rows).toEqual([{ total: '6' }]);
  });

  it('opens again without changing anything, and concurrent opens do not race', async () => {
    const counting = countingPool(pool);
    await Promise.all([make({ sources: ['twice'] }), make({ sources: ['twice'] }), make({ sources: ['twice'] })]);
    await make({ pool: counting.pool, sources: ['twice'] });
    expect(counting.statements).toHaveLength(1);
    expect(counting.statements[0]).toMatch(/^SELECT EXISTS/);
  });

  it('refuses to start on a missing table when creation is off', async () => {
    await expect(make({ createTableIfNotExists: false, sources: ['absent'] })).rejects.toMatchObject({
      code: 'POSTGRES_TABLE_MISSING',
      retryable: false,
    });
  });

  it('fails transiently when the server cannot be reached', async () => {
    const url = new URL(POSTGRES_URL);
    url.port = '1';
    const unreachable = new pg.Pool({ connectionString: url.toString(), connectionTimeoutMillis: 1_000 });
    try {
      await expect(make({ pool: unreachable, sources: ['down'] })).rejects.toMatchObject({
        code: 'POSTGRES_UNAVAILABLE',
        retryable: true,
      });
    } finally {
      await unreachable.end();
    }
  });

  it('builds from config on a shared pool that ends with its last user', async () => {
    const config = postgresTargetSchema.parse({
      name: 'from-config',
      type: 'postgres',
      subscription: 'pg',
      schema: db.schema,
      table: 'cfg_{source}',
      sources: ['orders'],
    });
    const connection: ResolvedConnection = {
      kind: 'connectionString',
      setting: 'PostgresTargetTest',
      connectionString: POSTGRES_URL,
    };
    const one = createPostgresTarget(config, connection);
    const two = createPostgresTarget({ ...config, name: 'from-config-2' }, connection);
    await one.open();
    await two.open();
    await one.close();
    expect(await two.applyBatch([makeEvent({ id: 'c', lsn: 1, source: 'orders' })])).toMatchObject([
      { status: 'applied' },
    ]);
    await two.close();
    await expect(two.applyBatch([])).rejects.toMatchObject({ code: 'POSTGRES_TARGET_NOT_OPEN' });
    expect(() => createPostgresTarget(config, { ...connection, connectionString: 'Host=x;Database=y' })).toThrow(
      /PostgresTargetTest: expected a URL/,
    );
  });
});
