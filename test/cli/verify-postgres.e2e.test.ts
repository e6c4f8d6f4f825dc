/**
 * backfill and verify against a PostgreSQL target on the local pipeline: rows edited, removed and added by hand are
 * found and repaired, and a wiped table is filled again by a backfill. PostgreSQL keeps no cache of what it wrote,
 * so even rows the running subscriber wrote itself are repaired. Needs the machine's PostgreSQL (CI fails without it).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../e2e/support.js';
import { requireService } from '../support/require-service.js';
import {
  createTestSchema,
  POSTGRES_SERVICE,
  POSTGRES_URL,
  probePostgres,
  type TestSchema,
} from '../targets/postgres-harness.js';
import { readAll, startOpsPipeline, type OpsPipeline, type SourceDoc } from './backfill-stack.js';

const available = await requireService(POSTGRES_SERVICE, probePostgres);

const DOCUMENTS = 40;
const customerOf = (index: number) => `c${index % 5}`;

describe.runIf(available)('backfill and verify with a PostgreSQL target (local pipeline)', () => {
  let ops: OpsPipeline;
  let schema: TestSchema;
  const table = () => `"${schema.schema}".orders`;

  /** Every way the table differs from the source (see backfill-stack.ts `differences` for the rules). */
  async function differences(): Promise<string[]> {
    const documents = await readAll<SourceDoc>(ops.source());
    const { rows } = await schema.admin.query<{ id: string; key: string; deleted: boolean; revision: number | null }>(
      `SELECT id, partition_key #>> '{}' AS key, deleted, (document->>'revision')::int AS revision FROM ${table()}`,
    );
    const held = new Map(rows.map((row) => [`${row.key}/${row.id}`, row]));
    const found: string[] = [];
    for (const doc of documents) {
      const key = `${doc.customerId}/${doc.id}`;
      const row = held.get(key);
      held.delete(key);
      if (doc._deleted === true) {
        if (row && !row.deleted) found.push(`${key}: deleted in the source, live in the target`);
      } else if (!row || row.deleted) found.push(`${key}: missing`);
      else if (row.revision !== doc.revision) found.push(`${key}: revision ${row.revision} instead of ${doc.revision}`);
    }
    for (const [key, row] of held) if (!row.deleted) found.push(`${key}: extra`);
    return found;
  }

  const converged = () =>
    eventually(
      async () => ((await differences()).length === 0 ? true : undefined),
      'the table to equal the source',
      60_000,
    );

  beforeAll(async () => {
    schema = await createTestSchema('ops_verify');
    ops = await startOpsPipeline({
      targets: [
        {
          name: 'orders-pg',
          subscription: 'postgres-target',
          config: { type: 'postgres', schema: schema.schema, table: 'orders' },
        },
      ],
      settings: { PostgresTarget: POSTGRES_URL },
    });
    for (let index = 0; index < DOCUMENTS; index += 1) {
      await ops.source().items.create({ id: `pg-${index}`, customerId: customerOf(index), revision: 1 });
    }
    await converged();
  });
  afterAll(async () => {
    await ops?.close();
    await schema?.drop();
  });

  it('finds and repairs rows changed by hand, including ones the subscriber wrote itself', async () => {
    await ops.source().item('pg-1', customerOf(1)).delete();
    await ops.source().items.upsert({ id: 'pg-2', customerId: customerOf(2), revision: 2, _deleted: true });
    await eventually(async () => {
      const { rows } = await schema.admin.query(`SELECT 1 FROM ${table()} WHERE id = 'pg-2' AND deleted`);
      return rows.length > 0 ? true : undefined;
    }, 'the tombstone of pg-2');
    await schema.admin.query(
      `UPDATE ${table()} SET deleted = false, lsn = 1, document = '{"id":"pg-2","revision":1}' WHERE id = 'pg-2'`,
    );
    await schema.admin.query(
      `UPDATE ${table()} SET lsn = 1, document = '{"id":"pg-3","revision":0}' WHERE id = 'pg-3'`,
    );
    await schema.admin.query(`DELETE FROM ${table()} WHERE id = 'pg-4'`);
    await schema.admin.query(
      `INSERT INTO ${table()} (source, partition_key, id, lsn, ts, deleted, event_id, document, updated_at)
       VALUES ('orders', '"c0"', 'ghost', 3, 1700000000, false, 'by-hand', '{"id":"ghost"}', now())`,
    );

    const found = await ops.run(['verify', '--target', 'orders-pg', '--json']);
    expect(found.code, found.stderr).toBe(1);
    expect(JSON.parse(found.stdout)).toMatchObject({
      counts: { matching: DOCUMENTS - 4, missing: 1, stale: 1, deletedButPresent: 1, extra: 2, targetNewer: 0 },
    });

    const repaired = await ops.run(['verify', '--target', 'orders-pg', '--repair', '--json']);
    expect(repaired.code).toBe(0);
    expect(JSON.parse(repaired.stdout)).toMatchObject({ repair: { resent: 3, deletes: 2, quarantined: 0 } });
    await converged();
    const confirmed = await ops.run(['verify', '--target', 'orders-pg']);
    expect(confirmed.code).toBe(0);
    expect(confirmed.stdout).toContain('Everything matches.');
  });

  it('fills a wiped table again with a backfill', async () => {
    await schema.admin.query(`DELETE FROM ${table()}`);
    const result = await ops.run(['backfill', '--target', 'orders-pg', '--restart']);
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout).toContain('completed: caught up with the feed');
    await converged();
    expect(ops.hostErrors).toEqual([]);
  });
});
