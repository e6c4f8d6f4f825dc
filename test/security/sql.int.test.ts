/**
 * SQL injection through configuration and through data, against the machine's PostgreSQL: hostile schema and table
 * names are refused at start-up with the field named (quoting stays correct even for names validation would refuse),
 * and hostile document ids, partition keys and values are stored and read back as data.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import pg from 'pg';
import type { ResolvedConnection } from '../../shared/config/connections.js';
import { qualifiedName, quoteIdentifier } from '../../shared/targets/postgres/identifiers.js';
import { createPostgresTarget, postgresTargetSchema } from '../../shared/targets/postgres/index.js';
import { makeEvent } from '../support/events.js';
import { requireService } from '../support/require-service.js';
import {
  createTestSchema,
  POSTGRES_SERVICE,
  POSTGRES_URL,
  probePostgres,
  type TestSchema,
} from '../targets/postgres-harness.js';

const HOSTILE_NAMES = [
  'docs"; DROP TABLE docs; --',
  "docs'); DROP TABLE docs; --",
  'docs;',
  'docs drop',
  'dócs',
  '表',
  'docs\nx',
  'docs\u0000',
  '-docs',
  'pg_catalog',
  'x'.repeat(64),
  'é'.repeat(32),
  '',
];

const base = { name: 'pg', type: 'postgres', subscription: 's', connection: 'PostgresTarget' };

describe('hostile names in configuration', () => {
  it.each(HOSTILE_NAMES)('refuses schema and table %j with the field named', (name) => {
    for (const field of ['schema', 'table'] as const) {
      const parsed = postgresTargetSchema.safeParse({ ...base, table: 'docs', [field]: name });
      expect(parsed.success, `${field} ${JSON.stringify(name)}`).toBe(false);
      expect(parsed.error?.issues.map((issue) => issue.path.join('.'))).toContain(field);
    }
  });

  it('refuses a {source} template that a source name turns hostile, and projection columns likewise', () => {
    const column = (name: string) =>
      postgresTargetSchema.safeParse({ ...base, table: 'docs', columns: [{ column: name, path: 'a' }] }).success;
    expect(column('total')).toBe(true);
    for (const name of HOSTILE_NAMES) expect(column(name), JSON.stringify(name)).toBe(false);
  });
});

const available = await requireService(POSTGRES_SERVICE, probePostgres);

describe.runIf(available)('against PostgreSQL', () => {
  let db: TestSchema;
  beforeAll(async () => {
    db = await createTestSchema('sec');
  });
  afterAll(async () => {
    await db.drop();
  });

  it('quoting keeps any name (quotes, semicolons, unicode) one identifier', async () => {
    const name = 'we"ird; DROP SCHEMA public; -- ✓';
    await db.admin.query(`CREATE TABLE ${qualifiedName(db.schema, name)} (v text)`);
    await db.admin.query(`INSERT INTO ${qualifiedName(db.schema, name)} (v) VALUES ($1)`, ['kept']);
    const { rows } = await db.admin.query<{ table_name: string }>(
      'SELECT table_name FROM information_schema.tables WHERE table_schema = $1',
      [db.schema],
    );
    expect(rows.map((row) => row.table_name)).toEqual([name]);
    await db.admin.query(`DROP TABLE ${qualifiedName(db.schema, name)}`);
    expect(() => quoteIdentifier('a\u0000b')).toThrow(RangeError);
  });

  it('hostile ids, partition keys and values round-trip as data', async () => {
    const config = postgresTargetSchema.parse({ ...base, schema: db.schema, table: 'docs' });
    const connection: ResolvedConnection = {
      kind: 'connectionString',
      setting: 'PostgresTarget',
      connectionString: POSTGRES_URL,
    };
    const target = createPostgresTarget(config, connection);
    await target.open();
    try {
      const hostile = [
        "'; DROP TABLE docs; --",
        '"); DELETE FROM docs; --',
        '$1 $2 \\x00 \\\\',
        'ünïcödé 😀 表',
        `${'x'.repeat(300)}'`,
      ];
      const events = hostile.map((id, index) =>
        makeEvent({ id, pk: `${id}-pk`, lsn: index + 1, data: { note: id, nested: { sql: `SELECT '${id}'` } } }),
      );
      const outcomes = await target.applyBatch(events);
      expect(outcomes.map((outcome) => outcome.status)).toEqual(hostile.map(() => 'applied'));
      for (const event of events) {
        const stored = await db.read('docs', event);
        // The target keeps the document without Cosmos DB system properties (`_lsn`).
        const { _lsn: _ignored, ...document } = event.payload as Record<string, unknown>;
        expect(stored?.document).toEqual(document);
      }
      const count = await db.admin.query<{ n: string }>(
        `SELECT count(*) AS n FROM ${qualifiedName(db.schema, 'docs')}`,
      );
      expect(Number(count.rows[0]?.n)).toBe(hostile.length);

      // NUL cannot be stored in text or jsonb: that one event is rejected, the batch goes on.
      const nul = makeEvent({ id: 'nul\u0000id', lsn: 99 });
      const fine = makeEvent({ id: 'after-nul', lsn: 100 });
      const [rejected, applied] = await target.applyBatch([nul, fine]);
      expect(rejected?.status).toBe('rejected');
      expect(applied?.status).toBe('applied');
    } finally {
      await target.close();
    }
    // The pool of the target is closed; a fresh client still sees the table intact.
    const check = new pg.Client({ connectionString: POSTGRES_URL });
    await check.connect();
    try {
      const { rows } = await check.query<{ n: string }>(
        `SELECT count(*) AS n FROM ${qualifiedName(db.schema, 'docs')}`,
      );
      expect(Number(rows[0]?.n)).toBe(6);
    } finally {
      await check.end();
    }
  });
});
