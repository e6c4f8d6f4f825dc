/**
 * Retention of the claim container on Azurite (which has no lifecycle management): the sweep deletes claim blobs last
 * written before the cutoff and nothing else, a bounded number per run, and the metrics timer's step does it with
 * COSMOS_SYNC_CLAIM_RETENTION_DAYS.
 */
import { createHash, randomUUID } from 'node:crypto';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type LocalAzurite } from '../../local-stack/azurite.js';
import { sweepClaims } from '../../shared/claims/sweep.js';
import { parseConfig } from '../../shared/config/load.js';
import { claimSweeper } from '../../shared/functions/metrics.js';
import { createLogger } from '../../shared/logging.js';

const DAY_MS = 86_400_000;
const hash = (text: string) => createHash('sha256').update(text).digest('hex');
const today = () => new Date().toISOString().slice(0, 10);

describe('sweeping the claim container', () => {
  let azurite: LocalAzurite;
  let blobs: BlobServiceClient;
  beforeAll(async () => {
    azurite = await startAzurite({ silent: true });
    blobs = BlobServiceClient.fromConnectionString(azurite.connectionString);
  });
  afterAll(async () => {
    await azurite?.close();
  });

  async function container(): Promise<ContainerClient> {
    const client = blobs.getContainerClient(`claims-${randomUUID().slice(0, 8)}`);
    await client.create();
    return client;
  }
  async function put(client: ContainerClient, name: string): Promise<Date> {
    await client.getBlockBlobClient(name).uploadData(Buffer.from(`{"name":"${name}"}`));
    const { lastModified } = await client.getBlobClient(name).getProperties();
    if (!lastModified) throw new Error(`no last-modified time for ${name}`);
    return lastModified;
  }
  async function names(client: ContainerClient): Promise<string[]> {
    const found: string[] = [];
    for await (const blob of client.listBlobsFlat()) found.push(blob.name);
    return found.sort();
  }

  it('deletes only claim blobs written before the cutoff', async () => {
    const client = await container();
    const old = [`${today()}/${hash('a')}.json`, `${today()}/${hash('b')}.json`, `2020-01-01/${hash('c')}.json`];
    const others = ['2020-01-01/notes.txt', `notes/${hash('d')}.json`, `${hash('e')}.json`];
    const written: Date[] = [];
    for (const name of [...old, ...others]) written.push(await put(client, name));
    const first = new Date(Math.min(...written.map((at) => at.getTime())));
    const oldest = new Date(Math.max(...written.map((at) => at.getTime())));
    // Last-modified times have one-second resolution: the young blob must be written in a later second than the rest.
    while (Date.now() < oldest.getTime() + 1_000) {
      await new Promise((resolve) => setTimeout(resolve, 50)); // poll: until the clock is in the next second
    }
    const youngName = `${today()}/${hash('young')}.json`;
    const young = await put(client, youngName);
    expect(young.getTime()).toBeGreaterThan(oldest.getTime());

    // Nothing was written before the first write.
    expect(await sweepClaims(client, first, { maxDeletesPerRun: 100 })).toEqual({
      deleted: 0,
      skipped: 0,
      capped: false,
    });
    expect(await sweepClaims(client, young, { maxDeletesPerRun: 100 })).toEqual({
      deleted: 3,
      skipped: 0,
      capped: false,
    });
    expect(await names(client)).toEqual([...others, youngName].sort());
  });

  it('deletes a bounded number per run and continues on the next', async () => {
    const client = await container();
    const old = [`2020-01-01/${hash('1')}.json`, `2020-01-02/${hash('2')}.json`, `2020-01-02/${hash('3')}.json`];
    for (const name of old) await put(client, name);
    const cutoff = new Date(Date.now() + 60_000);
    expect(await sweepClaims(client, cutoff, { maxDeletesPerRun: 2 })).toEqual({
      deleted: 2,
      skipped: 0,
      capped: true,
    });
    // Oldest day first: what is left is from the younger day.
    expect(await names(client)).toEqual([expect.stringMatching(/^2020-01-02\//)]);
    expect(await sweepClaims(client, cutoff, { maxDeletesPerRun: 2 })).toEqual({
      deleted: 1,
      skipped: 0,
      capped: false,
    });
    expect(await names(client)).toEqual([]);
  });

  it('has nothing to do before the container exists', async () => {
    const missing = blobs.getContainerClient(`claims-${randomUUID().slice(0, 8)}`);
    expect(await sweepClaims(missing, new Date(), { maxDeletesPerRun: 10 })).toEqual({
      deleted: 0,
      skipped: 0,
      capped: false,
    });
  });

  it('is the metrics timer’s step, with COSMOS_SYNC_CLAIM_RETENTION_DAYS', async () => {
    const client = await container();
    const claim = `${today()}/${hash('timer')}.json`;
    await put(client, claim);
    const config = parseConfig({
      ServiceBus: 'Endpoint=sb://127.0.0.1:5673;SharedAccessKeyName=k;SharedAccessKey=v;UseDevelopmentEmulator=true;',
      AzureWebJobsStorage: azurite.connectionString,
      CosmosSource: 'AccountEndpoint=http://127.0.0.1:8081/;AccountKey=a2V5;',
      COSMOS_SYNC_SOURCES: JSON.stringify([
        { name: 'orders', database: 'shop', container: 'orders', partitionKeyPaths: ['/customerId'] },
      ]),
      COSMOS_SYNC_CLAIM_CONTAINER: client.containerName,
      COSMOS_SYNC_CLAIM_RETENTION_DAYS: '20',
    });
    const lines: string[] = [];
    const sweep = claimSweeper(
      config,
      createLogger({ debug: () => {}, info: (l) => lines.push(l), warn: () => {}, error: () => {} }),
    );
    await sweep(new Date(Date.now() + 19 * DAY_MS));
    expect(await names(client)).toEqual([claim]);
    expect(lines).toEqual([]);
    await sweep(new Date(Date.now() + 21 * DAY_MS));
    expect(await names(client)).toEqual([]);
    expect(lines.map((line) => JSON.parse(line) as Record<string, unknown>)).toEqual([
      expect.objectContaining({ event: 'claims.swept', container: client.containerName, deleted: 1, capped: false }),
    ]);
  });
});
