/**
 * One pg Pool per connection setting per process, shared by the targets that use it and ended when the last of them
 * closes. Functions reuse a process across invocations, so connections outlive a batch.
 */
import pg from 'pg';
import { SharedResources } from '../../clients/shared-resource.js';
import type { ResolvedConnection } from '../../config/connections.js';
import { ConfigError } from '../../errors.js';

/** What the target needs of a pool: a narrow seam so tests can count round trips. */
export type Queryable = Pick<pg.Pool, 'query' | 'connect'>;

export interface PoolSettings {
  poolSize: number;
  connectTimeoutMs: number;
  statementTimeoutMs: number;
  applicationName?: string;
  /** Told about errors of idle connections (a server restart); the pool drops such connections by itself. */
  onIdleError?: (error: Error) => void;
}

export function createPool(connectionString: string, settings: PoolSettings): pg.Pool {
  const pool = new pg.Pool({
    connectionString,
    max: settings.poolSize,
    connectionTimeoutMillis: settings.connectTimeoutMs,
    // The server cancels a statement that runs too long; the client gives up a little later if the server is gone.
    statement_timeout: settings.statementTimeoutMs,
    query_timeout: settings.statementTimeoutMs + 5_000,
    idleTimeoutMillis: 30_000,
    keepAlive: true,
    application_name: settings.applicationName ?? 'cosmos-sync',
  });
  // An idle connection that breaks emits 'error' on the pool; unhandled, that event would end the process.
  pool.on('error', (error) =>
    settings.onIdleError
      ? settings.onIdleError(error)
      : console.warn(`postgres: an idle connection failed and was dropped: ${error.message}`),
  );
  return pool;
}

const shared = new SharedResources<pg.Pool>((pool) => pool.end());

/** The shared pool of a connection setting, and a release function that ends it after its last user. */
export function acquirePool(
  connection: ResolvedConnection,
  settings: PoolSettings,
): { pool: pg.Pool; release: () => Promise<void> } {
  if (connection.kind !== 'connectionString') {
    const problem = `${connection.setting}: PostgreSQL targets need a connection string (postgres://user:password@host:5432/db); identity-based settings are not supported`;
    throw new ConfigError(`invalid configuration:\n  ${problem}`, [problem]);
  }
  if (!/^postgres(ql)?:\/\//.test(connection.connectionString)) {
    const problem = `${connection.setting}: expected a URL such as postgres://user:password@host:5432/db`;
    throw new ConfigError(`invalid configuration:\n  ${problem}`, [problem]);
  }
  const { resource: pool, release } = shared.acquire(connection.setting, () =>
    createPool(connection.connectionString, settings),
  );
  return { pool, release };
}
