/**
 * The Azurite wrapper, exercised through the real Storage SDKs: what cosmos-sync relies on (conditional writes,
 * metadata, partition queries) and what the stack relies on (parallel instances, clean shutdown).
 */

import { odata, TableClient, type TableEntityResult } from '@azure/data-tables';
import { BlobServiceClient } from '@azure/storage-blob';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type LocalAzurite } from '../../local-stack/azurite.js';

let azurite: LocalAzurite;

beforeAll(async () => {
  azurite = await startAzurite({ silent: true });
});

afterAll(async () => {
  await azurite.close();
});

/** The fields the Storage SDKs put on their RestErrors; the Tables SDK leaves `code` empty and fills `details`. */
interface StorageFailure {
  statusCode?: number;
  code?: string;
  details?: { odataError?: { code?: string } };
}

/** The rejection of `call`, which must fail. */
async function failureOf(call: () => Promise<unknown>): Promise<StorageFailure> {
  const rejection = await call().then(
    () => undefined,
    (error: unknown) => error,
  );
  if (typeof rejection !== 'object' || rejection === null) {
    throw new Error(`expected the call to fail with an error object, got ${String(rejection)}`);
  }
  return rejection as StorageFailure;
}

function tableClient(stack: LocalAzurite, table: string): TableClient {
  // The Tables SDK refuses plain http unless told; Azurite has no TLS here.
  return TableClient.fromConnectionString(stack.connectionString, table, { allowInsecureConnection: true });
}

/** Binds and releases a port; rejects with EADDRINUSE while something still listens on it. */
async function assertPortFree(port: number): Promise<void> {
  const probe = createServer();
  await new Promise<void>((resolve, reject) => {
    probe.once('error', reject);
    probe.listen(port, '127.0.0.1', resolve);
  });
  await new Promise<void>((resolve) => probe.close(() => resolve()));
}

/** A port that was free a moment ago (the OS does not hand it out again right away). */
async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

describe('blob', () => {
  it('creates a container, uploads, writes conditionally and round-trips metadata', async () => {
    const container = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('sync-state');
    await container.create();
    const blob = container.getBlockBlobClient('checkpoints/lease-1.json');

    const first = await blob.upload('{"continuation":"1"}', 20);
    const second = await blob.upload('{"continuation":"2"}', 20, { conditions: { ifMatch: first.etag } });
    expect(second.etag).not.toBe(first.etag);

    const stale = await failureOf(() =>
      blob.upload('{"continuation":"3"}', 20, { conditions: { ifMatch: first.etag } }),
    );
    expect([stale.statusCode, stale.code]).toEqual([412, 'ConditionNotMet']);
    expect((await blob.downloadToBuffer()).toString()).toBe('{"continuation":"2"}');

    await blob.setMetadata({ owner: 'cosmos-sync', partition: '7' });
    expect((await blob.getProperties()).metadata).toEqual({ owner: 'cosmos-sync', partition: '7' });

    await container.getBlockBlobClient('checkpoints/lease-2.json').upload('{}', 2);
    await container.getBlockBlobClient('other/readme.txt').upload('x', 1);
    const names = [];
    for await (const item of container.listBlobsFlat({ prefix: 'checkpoints/' })) names.push(item.name);
    expect(names).toEqual(['checkpoints/lease-1.json', 'checkpoints/lease-2.json']);
  });

  it('reports an unknown container with the SDK’s ContainerNotFound error', async () => {
    const missing = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('no-such');
    const failure = await failureOf(() => missing.getProperties());
    expect([failure.statusCode, failure.code]).toEqual([404, 'ContainerNotFound']);
  });
});

describe('table', () => {
  interface LeaseRow {
    owner: string;
    token: number;
  }

  it('creates a table, upserts, queries by partition and updates conditionally', async () => {
    const table = tableClient(azurite, 'leases');
    await table.createTable();
    await table.upsertEntity({ partitionKey: 'orders', rowKey: 'range-0', owner: 'host-a', token: 1 });
    await table.upsertEntity({ partitionKey: 'orders', rowKey: 'range-1', owner: 'host-b', token: 1 });
    await table.upsertEntity({ partitionKey: 'payments', rowKey: 'range-0', owner: 'host-a', token: 1 });

    const orders: TableEntityResult<LeaseRow>[] = [];
    const query = { queryOptions: { filter: odata`PartitionKey eq ${'orders'}` } };
    for await (const row of table.listEntities<LeaseRow>(query)) orders.push(row);
    expect(orders.map((row) => [row.rowKey, row.owner])).toEqual([
      ['range-0', 'host-a'],
      ['range-1', 'host-b'],
    ]);

    const current = await table.getEntity<LeaseRow>('orders', 'range-0');
    const row = { partitionKey: 'orders', rowKey: 'range-0', owner: 'host-c', token: 2 };
    await table.updateEntity(row, 'Replace', { etag: current.etag });
    const conflict = await failureOf(() => table.updateEntity({ ...row, token: 3 }, 'Replace', { etag: current.etag }));
    expect(conflict.statusCode).toBe(412);
    expect(conflict.details?.odataError?.code).toBe('UpdateConditionNotSatisfied');
    expect((await table.getEntity<LeaseRow>('orders', 'range-0')).token).toBe(2);
  });
});

describe('queue', () => {
  it('listens and answers as the Queue service (no queue SDK is installed to go further)', async () => {
    const response = await fetch(`${azurite.queueEndpoint}?comp=list`);
    expect(response.status).toBe(403);
    expect(response.headers.get('x-ms-error-code')).toBe('AuthenticationFailed');
    expect(response.headers.get('server')).toMatch(/^Azurite-Queue\//);
  });
});

describe('lifecycle', () => {
  it('runs two stacks side by side on different ports with separate data', async () => {
    const other = await startAzurite({ silent: true });
    try {
      const endpoints = [azurite, other].flatMap((stack) => [
        stack.blobEndpoint,
        stack.queueEndpoint,
        stack.tableEndpoint,
      ]);
      expect(new Set(endpoints).size).toBe(6);

      await BlobServiceClient.fromConnectionString(other.connectionString).getContainerClient('only-in-other').create();
      const here = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('only-in-other');
      expect(await here.exists()).toBe(false);
    } finally {
      await other.close();
    }
  });

  it('releases all three ports on close, and close can be called twice', async () => {
    const stack = await startAzurite({ silent: true });
    // Leave a keep-alive connection open on each service, as real clients do.
    await BlobServiceClient.fromConnectionString(stack.connectionString).getContainerClient('warm').create();
    await tableClient(stack, 'warm').createTable();
    const ports = [stack.blobEndpoint, stack.queueEndpoint, stack.tableEndpoint].map((url) =>
      Number(new URL(url).port),
    );

    await Promise.all([stack.close(), stack.close()]);
    for (const port of ports) await assertPortFree(port);
  });

  it('keeps data in a given folder across restarts and leaves the folder to its owner', async () => {
    const location = await mkdtemp(join(tmpdir(), 'azurite-test-'));
    try {
      const first = await startAzurite({ silent: true, location });
      await BlobServiceClient.fromConnectionString(first.connectionString).getContainerClient('kept').create();
      await first.close();

      const second = await startAzurite({ silent: true, location });
      const kept = BlobServiceClient.fromConnectionString(second.connectionString).getContainerClient('kept');
      const stillThere = await kept.exists();
      await second.close();
      expect(stillThere).toBe(true);
      expect(await readdir(location)).toContain('__azurite_db_blob__.json');
    } finally {
      await rm(location, { recursive: true, force: true });
    }
  });

  it('refuses to start when AZURITE_ACCOUNTS would hide the well-known account', async () => {
    process.env['AZURITE_ACCOUNTS'] = 'someaccount:c29tZWtleQ==';
    try {
      await expect(startAzurite({ silent: true })).rejects.toThrow('Unset AZURITE_ACCOUNTS');
    } finally {
      delete process.env['AZURITE_ACCOUNTS'];
    }
  });

  it('fails clearly when a port is taken, and leaves nothing listening', async () => {
    const blocker = createServer();
    await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
    const takenPort = (blocker.address() as { port: number }).port;
    const [blobPort, queuePort] = [await freePort(), await freePort()];
    try {
      const failure = startAzurite({ silent: true, blobPort, queuePort, tablePort: takenPort });
      await expect(failure).rejects.toThrow(`the table service could not start on 127.0.0.1:${takenPort}`);
      await assertPortFree(blobPort);
      await assertPortFree(queuePort);
    } finally {
      await new Promise<void>((resolve) => blocker.close(() => resolve()));
    }
  });
});
