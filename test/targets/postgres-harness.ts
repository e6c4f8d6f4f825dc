/**
 * Shared set-up for tests against the machine's PostgreSQL: where it is, a probe for `requireService`, and a
 * throw-away schema per test file so files can run in parallel and leave nothing behind.
 */
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import type { ChangeEvent } from '../../shared/events/envelope.js';
import { qualifiedName, quoteIdentifier } from '../../shared/targets/postgres/identifiers.js';
import type { StoredState } from '../contract/target-contract.js';

/** Trust auth on loopback, as the development machines and CI have it; override with POSTGRES_TEST_URL. */
export const POSTGRES_URL = process.env['POSTGRES_TEST_URL'] ?? 'postgres://postgres@127.0.0.1:5432/test';
export const POSTGRES_SERVICE = `PostgreSQL at ${new URL(POSTGRES_URL).host} (POSTGRES_TEST_URL)`;

export async function probePostgres(): Promise<void> {
  const client = new pg.Client({ connectionString: POSTGRES_URL, connectionTimeoutMillis: 3_000 });
  await client.connect();
  try {
    await client.query('SELECT 1');
  } finally {
    await client.end();
  }
}

/** The same server on another port (a breakable proxy in front of it). */
export function postgresUrlWithPort(port: number): string {
  const url = new URL(POSTGRES_URL);
  url.port = String(port);
  return url.toString();
}

export const postgresPort = (): number => Number(new URL(POSTGRES_URL).port || 5432);

export interface TestSchema {
  schema: string;
  admin: pg.Pool;
  /** What the target holds for a document, read straight from the table. */
  read(
    table: string,
    event: Pick<ChangeEvent, 'documentId' | 'partitionKey' | 'source'>,
  ): Promise<StoredState | undefined>;
  drop(): Promise<void>;
}

export async function createTestSchema(prefix: string): Promise<TestSchema> {
  const schema = `${prefix}_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const admin = new pg.Pool({ connectionString: POSTGRES_URL, max: 2 });
  await admin.query(`CREATE SCHEMA ${quoteIdentifier(schema)}`);
  return {
    schema,
    admin,
    read: async (table, event) => {
      const { rows } = await admin.query<{
        lsn: string;
        ts: string;
        deleted: boolean;
        document: Record<string, unknown> | null;
      }>(
        `SELECT lsn, ts, deleted, document FROM ${qualifiedName(schema, table)}
         WHERE source = $1 AND partition_key = $2::jsonb AND id = $3`,
        [event.source.name, JSON.stringify(event.partitionKey), event.documentId],
      );
      const row = rows[0];
      if (!row) return undefined;
      return { version: { lsn: Number(row.lsn), ts: Number(row.ts) }, deleted: row.deleted, document: row.document };
    },
    drop: async () => {
      try {
        await admin.query(`DROP SCHEMA IF EXISTS ${quoteIdentifier(schema)} CASCADE`);
      } finally {
        await admin.end();
      }
    },
  };
}
