import { describe } from 'vitest';
import { PostgresTarget } from '../../shared/targets/postgres/index.js';
import { createPool } from '../../shared/targets/postgres/pool.js';
import { makeEvent } from '../support/events.js';
import { requireService } from '../support/require-service.js';
import { startTcpProxy } from '../support/tcp-proxy.js';
import {
  createTestSchema,
  POSTGRES_SERVICE,
  postgresPort,
  postgresUrlWithPort,
  probePostgres,
} from '../targets/postgres-harness.js';
import { runTargetContract } from './target-contract.js';

const available = await requireService(POSTGRES_SERVICE, probePostgres);

describe.runIf(available)('postgres', () => {
  runTargetContract(
    'postgres table',
    async () => {
      const db = await createTestSchema('contract');
      // The target talks through a proxy the test can break, so "store down" is a real network failure.
      const proxy = await startTcpProxy(postgresPort());
      const idleErrors: Error[] = [];
      const pool = createPool(postgresUrlWithPort(proxy.port), {
        poolSize: 4,
        connectTimeoutMs: 2_000,
        statementTimeoutMs: 20_000,
        onIdleError: (error) => idleErrors.push(error),
      });
      const target = new PostgresTarget({
        name: 'postgres',
        pool,
        schema: db.schema,
        table: '{source}',
        columns: [{ column: 'total', path: 'total', type: 'numeric' }],
        createTableIfNotExists: true,
        sources: ['test-source'],
        release: () => pool.end(),
        readPageSize: 7,
      });
      await target.open();
      return {
        target,
        listPageSize: 7,
        read: (event) => db.read(event.source.name, event),
        breakStore: async () => proxy.break(),
        repairStore: async () => proxy.repair(),
        // The projected column `total` is numeric: a text that is no number can never be stored (22P02).
        poisonEvent: (spec) => makeEvent({ ...spec, data: { total: 'not-a-number' } }),
        cleanup: async () => {
          await proxy.close();
          await db.drop();
        },
      };
    },
    { anyIdCharacters: true },
  );
});
