/**
 * Every path that can print, driven with recognisable fake secrets through real clients, then grepped for each
 * secret: target errors from unreachable or refusing stores (PostgreSQL and Redis URLs with passwords, a webhook URL
 * with a query token) as thrown, logged and stored in a state row in Azurite; the status report built from that row
 * plus failing measurements whose SDK messages quote connection strings and SAS URLs; the metrics row written from it.
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type LocalAzurite } from '../../local-stack/azurite.js';
import { tableClientFor } from '../../shared/clients/tables.js';
import { healthThresholdsSchema } from '../../shared/config/thresholds.js';
import { errorCode, messageOf } from '../../shared/errors.js';
import { toMetricsEntity } from '../../shared/metrics/entity.js';
import { TableStateRecorder } from '../../shared/state/recorder.js';
import { measure } from '../../shared/status/measure.js';
import { countError } from '../../shared/subscribe/batch-summary.js';
import type { Target } from '../../shared/targets/target.js';
import { createPostgresTarget, postgresTargetSchema } from '../../shared/targets/postgres/index.js';
import { createRedisTarget, redisTargetSchema } from '../../shared/targets/redis/index.js';
import { createWebhookTarget, webhookTargetSchema } from '../../shared/targets/webhook/index.js';
import { makeEvent } from '../support/events.js';
import { batch, captureLogger, randomTableName, storageConnection } from '../state/helpers.js';
import {
  COSMOS_CONNECTION,
  leaksIn,
  postgresUrl,
  redisUrl,
  SAS_URL,
  SECRETS,
  SERVICE_BUS_CONNECTION,
  STORAGE_CONNECTION,
  webhookUrl,
} from './fake-secrets.js';

/** A port nothing listens on (taken, then released). */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

const connection = (setting: string, connectionString: string) =>
  ({ kind: 'connectionString', setting, connectionString }) as const;

/** Everything a failing target lets out: the thrown error in every printed form, and a log line carrying it. */
async function printedFailure(target: Target): Promise<{ code: string; text: string }> {
  const { logger, lines } = captureLogger();
  let failure: unknown;
  try {
    await target.open();
    const outcomes = await target.applyBatch([makeEvent({ id: 'doc', lsn: 1 })]);
    failure = outcomes.find((outcome) => outcome.status === 'rejected')?.error;
  } catch (error) {
    failure = error;
  } finally {
    await target.close();
  }
  expect(failure, 'the target was expected to fail').toBeDefined();
  logger.error('target.failed', { error: failure });
  const error = failure as Error & { toLogFields?: () => unknown };
  const text = [
    messageOf(error),
    String(error),
    error.stack,
    JSON.stringify(error.toLogFields?.()),
    ...lines.map((l) => JSON.stringify(l)),
  ].join('\n');
  return { code: errorCode(failure), text };
}

describe('target errors from stores that cannot be used print no password or token', () => {
  it('PostgreSQL: unreachable, and reachable but refusing (unknown role and database)', async () => {
    const common = { name: 'pg', type: 'postgres', subscription: 's', connection: 'PostgresTarget', table: 'docs' };
    const config = postgresTargetSchema.parse({ ...common, connectTimeoutMs: 2_000 });
    for (const url of [postgresUrl(await closedPort()), postgresUrl(5432).replace('/test', '/no_such_db_9f3a')]) {
      const { code, text } = await printedFailure(createPostgresTarget(config, connection('PostgresTarget', url)));
      expect(code).not.toBe('');
      expect(leaksIn(text), text).toEqual([]);
    }
  });

  it('Redis: unreachable', async () => {
    const common = { name: 'cache', type: 'redis', subscription: 's', connection: 'RedisTarget' };
    const config = redisTargetSchema.parse({ ...common, connectTimeoutMs: 1_000, commandTimeoutMs: 1_000 });
    const url = redisUrl(await closedPort());
    const { text } = await printedFailure(createRedisTarget(config, connection('RedisTarget', url)));
    expect(leaksIn(text), text).toEqual([]);
  });

  it('webhook: unreachable URL with a query token', async () => {
    const config = webhookTargetSchema.parse({
      name: 'hook',
      type: 'webhook',
      subscription: 's',
      url: webhookUrl(await closedPort()),
      retryAttempts: 1,
    });
    const target = createWebhookTarget(config, { env: { COSMOS_SYNC_WEBHOOK_SECRET: SECRETS.webhookSecret } });
    const { code, text } = await printedFailure(target);
    expect(code).toBe('WEBHOOK_UNREACHABLE');
    expect(leaksIn(text), text).toEqual([]);
  });
});

describe('state rows, the status report and metrics rows print no secret', () => {
  let azurite: LocalAzurite;
  beforeAll(async () => {
    azurite = await startAzurite({ silent: true });
  });
  afterAll(async () => {
    await azurite.close();
  });

  it('a last error quoting connection strings, and measurements failing with SDK texts', async () => {
    const stateTable = tableClientFor(storageConnection(azurite), randomTableName('secstate'));
    const metricsTable = tableClientFor(storageConnection(azurite), randomTableName('secmetrics'));
    try {
      const summary = batch('pg', undefined, { received: 1 });
      countError(
        summary,
        'PG_CONNECT',
        1,
        'transient',
        `could not connect to ${postgresUrl(5432)} with ${STORAGE_CONNECTION}`,
      );
      await new TableStateRecorder(stateTable).record(summary);
      const legacy = { ...summary, target: 'legacy' };
      countError(legacy, 'SDK', 1, 'permanent', `blob ${SAS_URL} failed`);
      await new TableStateRecorder(stateTable).record(legacy);
      const rows: unknown[] = [];
      for await (const entity of stateTable.listEntities()) rows.push(entity);
      expect(rows).toHaveLength(2);
      expect(leaksIn(JSON.stringify(rows))).toEqual([]);
      // As a row written by an older version, before redaction, would hold it.
      await stateTable.updateEntity(
        { partitionKey: 'legacy', rowKey: (rows[1] as { rowKey: string }).rowKey, lastErrorMessage: `blob ${SAS_URL}` },
        'Merge',
      );
      expect((await stateTable.getEntity('legacy', (rows[1] as { rowKey: string }).rowKey)).lastErrorMessage).toContain(
        SECRETS.sasSignature,
      );

      const { logger, lines } = captureLogger();
      const { report, snapshots } = await measure(
        {
          stateTable,
          metricsTable,
          logger,
          thresholds: healthThresholdsSchema.parse({}),
          sources: [
            {
              name: 'orders',
              connection: 'CosmosSource',
              database: 'shop',
              container: 'orders',
              partitionKeyPaths: ['/customerId'],
            } as never,
          ],
          estimate: () => Promise.reject(new Error(`lease read failed for ${COSMOS_CONNECTION}`)),
          backlog: (targets) =>
            Promise.resolve(
              new Map(
                targets.map((target) => [
                  target.name,
                  { component: 'backlog', code: 'SB', message: `admin call failed: ${SERVICE_BUS_CONNECTION}` },
                ]),
              ),
            ),
          poison: () => Promise.reject(new Error(`poison table: ${SAS_URL} ${redisUrl(1)}`)),
        },
        new Date(),
      );
      const printed = JSON.stringify(report);
      expect(report.problems.length).toBeGreaterThanOrEqual(3);
      expect(report.targets.map((target) => target.lastError?.code).sort()).toEqual(['PG_CONNECT', 'SDK']);
      expect(leaksIn(printed), printed).toEqual([]);
      expect(leaksIn(lines.map((line) => JSON.stringify(line)).join('\n'))).toEqual([]);
      const metricsRows = [...snapshots.values()].map((snapshot) => JSON.stringify(toMetricsEntity(snapshot)));
      expect(metricsRows).toHaveLength(2);
      expect(leaksIn(metricsRows.join('\n'))).toEqual([]);
    } finally {
      await stateTable.deleteTable();
    }
  });
});
