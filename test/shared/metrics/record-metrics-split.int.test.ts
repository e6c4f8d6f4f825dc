/**
 * The metrics timer for a source with several hundred leases, some of them in a split, against Azurite: the source row
 * is written (its lease list cut to fit a Table Storage column), the log line counts the leases in the split, and the
 * status report carries the split fields.
 */
import { odata } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type LocalAzurite } from '../../../local-stack/azurite.js';
import { tableClientFor } from '../../../shared/clients/tables.js';
import { sourceSchema } from '../../../shared/config/schema.js';
import { healthThresholdsSchema } from '../../../shared/config/thresholds.js';
import type { LeaseEstimate, SourceEstimate } from '../../../shared/metrics/estimator/index.js';
import { recordMetrics } from '../../../shared/metrics/record-metrics.js';
import { captureLogger, randomTableName, storageConnection } from '../../state/helpers.js';

let azurite: LocalAzurite;

beforeAll(async () => {
  azurite = await startAzurite({ blobPort: 0, queuePort: 0, tablePort: 0, silent: true });
});

afterAll(async () => {
  await azurite?.close();
});

const source = {
  ...sourceSchema.parse({
    name: 'orders',
    connection: 'Cosmos',
    database: 'shop',
    container: 'orders',
    partitionKeyPaths: ['/pk'],
  }),
  createLeaseContainer: true,
};
const prefix = 'orders-myaccount.documents.azure.com_AbCdEf==_AbCdEfGhIjK=..';

function estimate(): SourceEstimate {
  const leases: LeaseEstimate[] = Array.from({ length: 400 }, (_, token) => ({
    id: `${prefix}${token}`,
    leaseToken: String(token),
    owner: `host-${token % 4}`,
    pendingChanges: 1,
    lagSeconds: 2,
    continuation: '"10"',
  }));
  leases.push(
    {
      id: `${prefix}400`,
      leaseToken: '400',
      owner: 'host-0',
      pendingChanges: 3,
      lagSeconds: 4,
      continuation: '"10"',
      state: 'splitting',
      ranges: [
        { rangeId: '401', min: 'AA', max: 'AB', pendingChanges: 3, lagSeconds: 4 },
        { rangeId: '402', min: 'AB', max: 'AC', pendingChanges: 0, lagSeconds: 0 },
      ],
    },
    {
      id: `${prefix}403`,
      leaseToken: '403',
      owner: null,
      pendingChanges: null,
      lagSeconds: null,
      continuation: '"10"',
      state: 'superseded',
      coveredBy: ['404', '405'],
    },
  );
  return {
    source: 'orders',
    leases,
    pendingChanges: 403,
    lagSeconds: 4,
    problems: [{ code: 'ESTIMATOR_LEASE_SUPERSEDED', message: `lease ${prefix}403: split` }],
  };
}

describe('recordMetrics for a source with many leases during a split', () => {
  it('writes the source row, logs the leases in the split and reports the split fields', async () => {
    const { logger, lines } = captureLogger();
    const metricsTable = tableClientFor(storageConnection(azurite), randomTableName('metrics'));
    const { report } = await recordMetrics(
      {
        stateTable: tableClientFor(storageConnection(azurite), randomTableName('state')),
        metricsTable,
        logger,
        thresholds: healthThresholdsSchema.parse({}),
        targets: [],
        sources: [source],
        estimate: async () => new Map([['orders', estimate()]]),
      },
      new Date('2026-12-05T04:00:00Z'),
    );

    const rows: Record<string, unknown>[] = [];
    const filter = odata`PartitionKey eq ${'source:orders'}`;
    for await (const row of metricsTable.listEntities<Record<string, unknown>>({ queryOptions: { filter } })) {
      rows.push(row);
    }
    expect(rows).toHaveLength(1);
    const kept = JSON.parse(rows[0]?.['leases'] as string) as unknown[];
    expect(kept.length + (rows[0]?.['leasesOmitted'] as number)).toBe(402);
    expect(rows[0]).toMatchObject({ pendingChanges: 403, lagSeconds: 4 });

    expect(lines.find((line) => line.event === 'metrics.source')).toMatchObject({ leases: 402, leasesInSplit: 2 });
    const leases = report.sources[0]?.leases ?? [];
    expect(leases.find((lease) => lease.leaseToken === '400')).toMatchObject({ state: 'splitting', ranges: [{}, {}] });
    expect(leases.find((lease) => lease.leaseToken === '403')).toMatchObject({
      state: 'superseded',
      coveredBy: ['404', '405'],
    });
    expect(leases.find((lease) => lease.leaseToken === '0')).toEqual({
      id: `${prefix}0`,
      leaseToken: '0',
      owner: 'host-0',
      pendingChanges: 1,
      lagSeconds: 2,
    });
  });
});
