/** A source row of a source with 1024 leases, written to Azurite's Table Storage as the metrics timer writes it. */
import { randomUUID } from 'node:crypto';
import { TableClient } from '@azure/data-tables';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type LocalAzurite } from '../../../local-stack/azurite.js';
import { toSourceEntity } from '../../../shared/metrics/rows.js';
import type { SourceStatus } from '../../../shared/status/report.js';

let azurite: LocalAzurite;
let table: TableClient;

beforeAll(async () => {
  azurite = await startAzurite({ blobPort: 0, queuePort: 0, tablePort: 0, silent: true });
  table = TableClient.fromConnectionString(azurite.connectionString, `rows${randomUUID().slice(0, 8)}`, {
    allowInsecureConnection: true,
  });
  await table.createTable();
});

afterAll(async () => {
  await azurite?.close();
});

const leases = Array.from({ length: 1024 }, (_, token) => ({
  id: `orders-myaccount.documents.azure.com_AbCdEf==_AbCdEfGhIjK=..${token}`,
  leaseToken: String(token),
  owner: `host-${token % 4}`,
  pendingChanges: token,
  lagSeconds: 0.5,
}));
const status: SourceStatus = {
  name: 'orders',
  database: 'shop',
  container: 'orders',
  changeFeedMode: 'LatestVersion',
  health: 'ok',
  reasons: [],
  pendingChanges: leases.reduce((sum, lease) => sum + lease.pendingChanges, 0),
  lagSeconds: 0.5,
  leases,
};

describe('source rows with many leases', () => {
  it('Table Storage refuses the whole lease list in one column, so the row would be lost', async () => {
    await expect(
      table.createEntity({ partitionKey: 'probe', rowKey: 'whole', leases: JSON.stringify(leases) }),
    ).rejects.toMatchObject({ statusCode: 400 });
  });

  it('is written with as many leases as fit, the omitted count, and the totals over all 1024', async () => {
    const entity = toSourceEntity(status, new Date());
    await table.createEntity(entity);
    const stored = await table.getEntity<Record<string, unknown>>(entity.partitionKey, entity.rowKey);
    const kept = JSON.parse(stored['leases'] as string) as unknown[];
    expect(kept.length).toBeGreaterThan(100);
    expect(kept.length + (stored['leasesOmitted'] as number)).toBe(1024);
    expect(stored['pendingChanges']).toBe(status.pendingChanges);
  });
});
