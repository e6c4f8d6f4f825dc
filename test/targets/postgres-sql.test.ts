import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { postgresTargetSchema } from '../../shared/targets/postgres/config.js';
import { classifyPostgresError } from '../../shared/targets/postgres/errors.js';
import {
  identifierProblem,
  qualifiedName,
  quoteIdentifier,
  tableForSource,
} from '../../shared/targets/postgres/identifiers.js';
import { rowFor, statementGroups } from '../../shared/targets/postgres/rows.js';
import { buildUpsert, planDdl } from '../../shared/targets/postgres/statements.js';
import { makeEvent } from '../support/events.js';

const base = { name: 'pg', type: 'postgres', subscription: 'pg-target' } as const;
const issuesOf = (input: Record<string, unknown>): string[] => {
  const parsed = postgresTargetSchema.safeParse({ ...base, ...input });
  return parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`);
};

describe('postgres identifiers', () => {
  it('quotes names so that quotes inside them cannot end the identifier', () => {
    expect(quoteIdentifier('orders')).toBe('"orders"');
    expect(quoteIdentifier('we"ird')).toBe('"we""ird"');
    expect(qualifiedName('sales', 'Orders')).toBe('"sales"."Orders"');
    expect(() => quoteIdentifier('')).toThrow(/empty/);
    expect(() => quoteIdentifier('a\u0000b')).toThrow(/NUL/);
  });

  it('names the field in every problem', () => {
    expect(identifierProblem('schema', 'ok_name-1')).toBeUndefined();
    expect(identifierProblem('schema', 'bad name')).toMatch(/^schema: "bad name" is not a valid name/);
    expect(identifierProblem('table', 'x'.repeat(64))).toMatch(/^table: .* longer than 63 bytes/);
    expect(identifierProblem('schema', 'pg_catalog')).toMatch(/^schema: .*reserves/);
    expect(identifierProblem('table', 'a;drop table x')).toMatch(/^table:/);
  });

  it('resolves table templates per source and refuses names that would be truncated', () => {
    expect(tableForSource('copy_{source}', 'orders')).toEqual({ table: 'copy_orders' });
    expect(tableForSource('{source}', 's'.repeat(59))).toMatchObject({
      problem: expect.stringMatching(/^table: .*58/),
    });
  });
});

describe('postgres target config', () => {
  it('fills safe defaults', () => {
    expect(postgresTargetSchema.parse(base)).toMatchObject({
      connection: 'PostgresTarget',
      schema: 'public',
      table: '{source}',
      columns: [],
      createTableIfNotExists: true,
      poolSize: 4,
    });
  });

  it('rejects bad names with messages naming the field', () => {
    expect(issuesOf({ schema: 'my schema' })).toEqual([
      expect.stringMatching(/^schema: "my schema" is not a valid name/),
    ]);
    expect(issuesOf({ table: 'orders;--' })).toEqual([
      expect.stringMatching(/^table: "orders;--" is not a valid name/),
    ]);
    expect(issuesOf({ columns: [{ column: 'Total', path: 'total' }] })[0]).toMatch(
      /^columns\.0\.column: use lower case/,
    );
    expect(issuesOf({ columns: [{ column: 'lsn', path: 'x' }] })[0]).toMatch(/^columns\.0\.column: the target owns/);
    expect(issuesOf({ columns: [{ column: 'a', path: 'x..y' }] })[0]).toMatch(
      /^columns\.0\.path: expected a dotted path/,
    );
    expect(issuesOf({ columns: [{ column: 'a', path: 'x', type: 'text; drop' }] })[0]).toMatch(/^columns\.0\.type/);
    const twice = [
      { column: 'a', path: 'x' },
      { column: 'a', path: 'y' },
    ];
    expect(issuesOf({ columns: twice })).toEqual([expect.stringMatching(/^columns: "a" is listed twice/)]);
  });
});

describe('postgres statements', () => {
  const ref = { schema: 'sync', table: 'orders' };
  const columns = [
    { column: 'total', path: 'total', type: 'numeric' as const },
    { column: 'zip', path: 'customer.address.zip', type: 'text' as const },
  ];
  const rows = (count: number) =>
    Array.from({ length: count }, (_, index) => rowFor(makeEvent({ id: `d${index}`, lsn: 1 }), undefined));

  it('binds one parameter per column whatever the batch size', () => {
    const one = buildUpsert(ref, columns, rows(1));
    const thousand = buildUpsert(ref, columns, rows(1_000));
    expect(one.values).toHaveLength(10);
    expect(thousand.values).toHaveLength(10);
    expect(thousand.values[2]).toHaveLength(1_000);
    expect(thousand.text).toBe(one.text);
    expect(one.values[9]).toEqual(['customer', 'address', 'zip']);
    expect(Math.max(...[...one.text.matchAll(/\$(\d+)/g)].map((match) => Number(match[1])))).toBe(10);
  });

  it('guards by version and quotes every name', () => {
    const { text } = buildUpsert(ref, columns, rows(1));
    expect(text).toContain('INSERT INTO "sync"."orders" AS stored');
    expect(text).toContain('ON CONFLICT (source, partition_key, id) DO UPDATE SET');
    expect(text).toContain(
      'WHERE stored.lsn < excluded.lsn OR (stored.lsn = excluded.lsn AND stored.ts < excluded.ts)',
    );
    expect(text).toContain('(i.document #>> $9::text[])::numeric');
    expect(text).toContain('"total" = excluded."total"');
    expect(text).toContain('RETURNING event_id');
  });

  it('keeps tombstones as rows without a document', () => {
    const row = rowFor(makeEvent({ id: 'gone', lsn: 3, op: 'delete' }), undefined);
    expect(row).toMatchObject({ deleted: true, document: null, lsn: 3 });
    const live = rowFor(makeEvent({ id: 'here', pk: ['a', 1], lsn: 2, data: { v: 1 } }), undefined);
    expect(JSON.parse(live.document as string)).toEqual({ id: 'here', pk: ['a', 1], v: 1 });
    expect(live.partitionKey).toBe('["a",1]');
  });

  it('splits a batch only for repeated keys or oversized documents', () => {
    expect(statementGroups(rows(500), 64 * 1024 * 1024)).toHaveLength(1);
    const repeated = [...rows(3), ...rows(2)];
    expect(statementGroups(repeated, 64 * 1024 * 1024).map((group) => group.length)).toEqual([3, 2]);
    const big = Array.from({ length: 4 }, (_, index) =>
      rowFor(makeEvent({ id: `b${index}`, lsn: 1, data: { text: 'x'.repeat(1_000) } }), undefined),
    );
    expect(statementGroups(big, 4_500).map((group) => group.length)).toEqual([2, 2]);
  });

  it('plans only the DDL that is missing', () => {
    const none = { schemaExists: false, tableExists: false, viewExists: false, columns: [] };
    expect(planDdl(ref, columns, none).map((sql) => sql.split(' ').slice(0, 3).join(' '))).toEqual([
      'CREATE SCHEMA IF',
      'CREATE TABLE IF',
      'ALTER TABLE "sync"."orders"',
      'ALTER TABLE "sync"."orders"',
      'CREATE OR REPLACE',
    ]);
    const all = { schemaExists: true, tableExists: true, viewExists: true, columns: ['id', 'total', 'zip'] };
    expect(planDdl(ref, columns, all)).toEqual([]);
    const newColumn = planDdl(ref, columns, { ...all, columns: ['id', 'total'] });
    expect(newColumn).toEqual([
      'ALTER TABLE "sync"."orders" ADD COLUMN IF NOT EXISTS "zip" text',
      'CREATE OR REPLACE VIEW "sync"."orders_live" AS SELECT * FROM "sync"."orders" WHERE NOT deleted',
    ]);
  });

  it('classifies server and client failures', () => {
    const withCode = (code: string) => Object.assign(new pg.DatabaseError(code, 0, 'error'), { code });
    for (const code of ['57P01', '53300', '40001', '40P01', '08006', '57014', '55P03'])
      expect(classifyPostgresError(withCode(code)), code).toBe('transient');
    for (const code of ['22P02', '22003', '22P05', '23505', '54000'])
      expect(classifyPostgresError(withCode(code)), code).toBe('row');
    for (const code of ['42P01', '42501', '42703'])
      expect(classifyPostgresError(withCode(code)), code).toBe('statement');
    // Socket errors have codes too, some of SQLSTATE's length; they never reached the server's verdict.
    expect(classifyPostgresError(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }))).toBe('transient');
    expect(classifyPostgresError(new Error('Connection terminated unexpectedly'))).toBe('transient');
  });
});
