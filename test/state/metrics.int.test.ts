/**
 * The metrics timer's work against Azurite: rows and log lines over consecutive runs, and isolation of targets whose
 * data is damaged.
 */
import { odata, type TableClient } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type LocalAzurite } from '../../local-stack/azurite.js';
import { tableClientFor } from '../../shared/clients/tables.js';
import { healthThresholdsSchema } from '../../shared/config/thresholds.js';
import { recordMetrics, type MetricsDeps } from '../../shared/metrics/record-metrics.js';
import { TableStateRecorder } from '../../shared/state/recorder.js';
import {
  batch,
  captureLogger,
  randomTableName,
  separateClient,
  storageConnection,
  type CapturedLog,
} from './helpers.js';

let azurite: LocalAzurite;

beforeAll(async () => {
  azurite = await startAzurite({ silent: true });
});

afterAll(async () => {
  await azurite.close();
});

const t1 = new Date('2024-05-01T10:00:00Z');
const t1Seconds = t1.getTime() / 1000;
const plus = (date: Date, seconds: number) => new Date(date.getTime() + seconds * 1000);
const applied = (ts: number, lsn: number) => ({ eventId: `orders:${lsn}`, source: 'orders', lsn, ts });

function setup(extra: Partial<MetricsDeps> = {}) {
  const { logger, lines } = captureLogger();
  const deps: MetricsDeps = {
    stateTable: tableClientFor(storageConnection(azurite), randomTableName('state')),
    metricsTable: tableClientFor(storageConnection(azurite), randomTableName('metrics')),
    logger,
    thresholds: healthThresholdsSchema.parse({}),
    ...extra,
  };
  return { deps, lines, recorder: new TableStateRecorder(deps.stateTable) };
}

async function rows(table: TableClient, target: string): Promise<Record<string, unknown>[]> {
  const found: Record<string, unknown>[] = [];
  const query = { queryOptions: { filter: odata`PartitionKey eq ${target}` } };
  for await (const row of table.listEntities<Record<string, unknown>>(query)) found.push(row);
  return found;
}

const ref = (name: string) => ({ name, type: 'memory', subscription: `${name}-sub` });

const logsOf = (lines: CapturedLog[], event: string, target: string) =>
  lines.filter((line) => line.event === event && line['target'] === target);

describe('recordMetrics', () => {
  it('writes lag, deltas and latency percentiles per target across two runs, newest row first', async () => {
    const { deps, lines, recorder } = setup({ targets: [ref('copy'), ref('idle')] });
    await recorder.record(
      batch('copy', 'bucket-01', {
        received: 10,
        applied: 8,
        lagSeconds: [...Array(4).fill(0.5), ...Array(4).fill(1.5)],
        lastApplied: applied(t1Seconds - 100, 7),
      }),
    );
    await recorder.record(
      batch('copy', 'bucket-02', { received: 5, stale: 1, deadLettered: 1, errorsByCode: { InvalidEvent: 1 } }),
    );

    const first = (await recordMetrics(deps, t1)).snapshots;
    expect([...first.keys()].sort()).toEqual(['copy', 'idle']);
    expect(first.get('copy')).toMatchObject({
      lagSeconds: 100,
      interval: { seconds: undefined, counters: { received: 15, applied: 8 }, errorsByCode: { InvalidEvent: 1 } },
    });
    expect(first.get('idle')).toMatchObject({ lagSeconds: undefined, interval: { counters: { received: 0 } } });

    await recorder.record(
      batch('copy', 'bucket-01', {
        received: 20,
        applied: 20,
        lagSeconds: [...Array(18).fill(3), 100, 100],
        lastApplied: applied(t1Seconds + 30, 9),
      }),
    );
    const t2 = plus(t1, 60);
    await recordMetrics(deps, t2);

    const stored = await rows(deps.metricsTable, 'copy');
    expect(stored).toHaveLength(2);
    expect(stored[0]?.['at']).toEqual(t2); // newest first
    const latest = stored[0] as Record<string, unknown>;
    expect(latest).toMatchObject({
      lagSeconds: 30,
      intervalSeconds: 60,
      reset: false,
      batches: 1,
      received: 20,
      applied: 20,
      stale: 0,
      deadLettered: 0,
      errorsByCode: '{}',
      latencyCount: 20,
      lastEventId: 'orders:9',
      lastSourceTs: t1Seconds + 30,
    });
    // Ranks 10, 19 and 19.8 of 20: inside (2, 5] with 18 values, then (60, 120] with 2.
    expect(latest['latencyP50Seconds']).toBeCloseTo(2 + (3 * 10) / 18, 10);
    expect(latest['latencyP95Seconds']).toBeCloseTo(90, 10);
    expect(latest['latencyP99Seconds']).toBeCloseTo(114, 10);
    expect(JSON.parse(latest['totals'] as string)).toMatchObject({ counters: { received: 35, batches: 3 } });

    const [logged] = logsOf(lines, 'metrics.target', 'copy').slice(-1);
    expect(logged).toMatchObject({
      level: 'info',
      at: t2.toISOString(),
      lagSeconds: 30,
      intervalSeconds: 60,
      received: 20,
      errorsByCode: {},
      latencyP95Seconds: latest['latencyP95Seconds'],
    });
    expect(await rows(deps.metricsTable, 'idle')).toHaveLength(2);
  });

  it('reports a damaged state row for its target and still records the others', async () => {
    const { deps, lines, recorder } = setup();
    await recorder.record(batch('good', 'bucket-01', { received: 2 }));
    await recorder.record(batch('bad', 'bucket-01', { received: 3 }));
    await recorder.record(batch('bad', 'bucket-02', { received: 4 }));
    await deps.stateTable.updateEntity({ partitionKey: 'bad', rowKey: 'bucket-02', errorsByCode: '{oops' }, 'Merge');

    const { snapshots, report } = await recordMetrics(deps, t1);
    expect([...snapshots.keys()]).toEqual(['good']);
    expect(report.targets.find((target) => target.name === 'bad')).toMatchObject({
      health: 'unknown',
      reasons: expect.arrayContaining(['apply state not measured']) as unknown,
    });
    expect(await rows(deps.metricsTable, 'good')).toHaveLength(1);
    expect(await rows(deps.metricsTable, 'bad')).toHaveLength(0);
    const [failure] = lines.filter((line) => line.event === 'metrics.part_failed' && line['component'] === 'state:bad');
    expect(failure).toMatchObject({ level: 'error', errorCode: 'STATE_ROW_INVALID' });
    expect(JSON.stringify(failure)).toContain('state row bad/bucket-02 is invalid: errorsByCode: not valid JSON');
  });

  it('skips the deltas once when the previous metrics row is damaged, then counts from the new row', async () => {
    const { deps, lines, recorder } = setup();
    await recorder.record(batch('copy', 'bucket-01', { received: 5 }));
    await recordMetrics(deps, t1);
    const [previous] = await rows(deps.metricsTable, 'copy');
    await deps.metricsTable.updateEntity(
      { partitionKey: 'copy', rowKey: previous?.['rowKey'] as string, totals: '[' },
      'Merge',
    );

    await recorder.record(batch('copy', 'bucket-01', { received: 7 }));
    const second = (await recordMetrics(deps, plus(t1, 60))).snapshots.get('copy');
    expect(second?.interval).toBeUndefined();
    expect(logsOf(lines, 'metrics.baseline_invalid', 'copy')[0]).toMatchObject({
      level: 'warn',
      problem: expect.stringMatching(/^totals: not valid JSON/),
    });
    expect((await rows(deps.metricsTable, 'copy'))[0]).not.toHaveProperty('received');

    await recorder.record(batch('copy', 'bucket-01', { received: 11 }));
    const third = (await recordMetrics(deps, plus(t1, 120))).snapshots.get('copy');
    expect(third?.interval).toMatchObject({ seconds: 60, counters: { received: 11 } });
  });

  it('writes backlog, health and a source row, warns about unhealthy items, and fails only after every write', async () => {
    const source = { name: 'orders', database: 'shop', container: 'orders', changeFeedMode: 'LatestVersion' } as const;
    const { deps, lines, recorder } = setup({
      targets: [ref('copy'), ref('gone')],
      sources: [source as never],
      backlog: async () =>
        new Map([
          ['copy', { active: 1_500, deadLettered: 2, scheduled: 0 }],
          ['gone', { component: 'backlog', code: 'SUBSCRIPTION_NOT_FOUND', message: 'no subscription gone-sub' }],
        ]),
      estimate: async () => {
        throw new Error('estimator down');
      },
    });
    await recorder.record(batch('copy', 'bucket-01', { received: 1, lastApplied: applied(t1Seconds - 5, 3) }));

    await expect(recordMetrics(deps, t1)).rejects.toThrow('estimator down');
    const [row] = await rows(deps.metricsTable, 'copy');
    expect(row).toMatchObject({
      health: 'degraded',
      backlogActive: 1_500,
      backlogDeadLettered: 2,
      lagSeconds: 5,
      healthReasons: JSON.stringify(['backlog 1500 >= 1000 (degraded)', 'dead-lettered 2 >= 1 (degraded)']),
    });
    const [sourceRow] = await rows(deps.metricsTable, 'source:orders');
    expect(sourceRow).toMatchObject({ kind: 'source', health: 'unknown' });
    expect(sourceRow).not.toHaveProperty('pendingChanges');
    expect(logsOf(lines, 'health.degraded', 'copy')[0]).toMatchObject({ level: 'warn', kind: 'target' });
    expect(lines.filter((line) => line.event === 'metrics.part_failed').map((line) => line['component'])).toEqual(
      expect.arrayContaining(['estimator', 'backlog:gone']),
    );
  });

  it('fails with a retryable STATE_UNAVAILABLE when the state table cannot be reached', async () => {
    const down = azurite.connectionString.replace(
      /TableEndpoint=[^;]+;/,
      'TableEndpoint=http://127.0.0.1:1/devstoreaccount1;',
    );
    const { deps } = setup({ stateTable: separateClient(down, 'state') });
    await expect(recordMetrics(deps, t1)).rejects.toMatchObject({ code: 'STATE_UNAVAILABLE', retryable: true });
  });
});
