/**
 * Documents too large for one Service Bus Standard message (the local broker's 256 KB limit), one of about 300 KB and
 * one just under Cosmos DB's 2 MB item limit, written to the source, reach every target type (Cosmos DB, PostgreSQL,
 * Redis, Blob, webhook) and a custom subscriber through the claim check, byte for byte; then the timer's sweep deletes
 * their claim blobs once they are past the retention, and nothing else.
 */
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalPipeline, type LocalPipeline } from '../../dev/pipeline.js';
import { FUNCTIONS_DIR } from '../../dev/sample-app.js';
import {
  DEMO_POSTGRES_URL,
  DEMO_REDIS_URL,
  prepareSampleTargets,
  type SampleTargets,
} from '../../dev/sample-targets.js';
import { waitForAll, type TargetUnderTest } from '../../dev/target-convergence.js';
import { blobReader, cosmosReader, postgresReader, redisReader, webhookReader } from '../../dev/target-readers.js';
import type { ExpectedDocument } from '../../dev/demo-workload.js';
import { functionLogData } from '../../local-host/log.js';
import { parseConfig } from '../../shared/config/load.js';
import { claimSweeper } from '../../shared/functions/metrics.js';
import { createLogger } from '../../shared/logging.js';
import { latestBlobName } from '../../shared/targets/blob/naming.js';
import { priceHistory } from '../fixtures/custom-subscriber/price-history-store.js';
import { requireSamplePostgres, requireSampleRedis } from '../support/sample-services.js';
import { configWithSubscription, eventually } from './support.js';

const postgres = await requireSamplePostgres();
const redis = await requireSampleRedis();

const example = fileURLToPath(new URL('../fixtures/custom-subscriber/price-history.ts', import.meta.url));
const appFiles = readdirSync(FUNCTIONS_DIR)
  .filter((name) => name.endsWith('.ts'))
  .map((name) => `${FUNCTIONS_DIR}/${name}`);
const SOURCE = { name: 'orders', account: 'local', database: 'shop', container: 'orders' };
const CLAIMS = 'cosmos-sync-claims';
const DAY_MS = 86_400_000;
/** Sizes of the `blob` field: under the message limit, about 300 KB, and near the 2 MB item limit. */
const SIZES: Record<string, number> = { small: 100, large: 300_000, huge: 1_900_000 };

describe.runIf(postgres && redis)('the claim check end to end, on every target type', () => {
  let pipeline: LocalPipeline;
  let extra: SampleTargets;
  let claims: ContainerClient;
  const hostErrors: Record<string, unknown>[] = [];
  const claimChecked: Record<string, unknown>[] = [];
  const poisoned: Record<string, unknown>[] = [];

  beforeAll(async () => {
    extra = await prepareSampleTargets();
    pipeline = await startLocalPipeline({
      stack: { serviceBusConfig: configWithSubscription('price-history', {}) },
      files: [...appFiles, example],
      instances: 1,
      log: (line) => {
        if (line['level'] === 'error') hostErrors.push(line);
        const data = functionLogData(line);
        if (data?.['event'] === 'event.claim_checked') claimChecked.push(data);
        if (data?.['event'] === 'message.poisoned') poisoned.push(data);
      },
      adjustSettings: async (settings) => ({
        ...settings,
        ...extra.settings,
        COSMOS_SYNC_TARGETS: JSON.stringify([
          ...(JSON.parse(settings['COSMOS_SYNC_TARGETS'] ?? '[]') as unknown[]),
          ...extra.targets,
        ]),
      }),
    });
    claims = BlobServiceClient.fromConnectionString(
      pipeline.stack.settings.STORAGE_CONNECTION_STRING,
    ).getContainerClient(CLAIMS);
  });
  afterAll(async () => {
    await pipeline?.close();
    await extra?.close();
  });

  const source = () => pipeline.cosmos.database('shop').container('orders');
  const write = (id: string, revision: number, price: number) =>
    source().items.upsert({
      id,
      customerId: `c-${id}`,
      type: 'order',
      revision,
      price,
      blob: 'x'.repeat(SIZES[id] ?? 0),
    });

  it('the local Cosmos DB refuses an item above 2 MB, as Azure does', async () => {
    await expect(
      source().items.create({ id: 'too-big', customerId: 'c-too-big', blob: 'x'.repeat(2 * 1024 * 1024) }),
    ).rejects.toMatchObject({ code: 413 });
  });

  it('converges a 300 KB and a 1.9 MB document on every target, through the claim check', async () => {
    await write('small', 1, 1);
    await write('large', 1, 10);
    await write('huge', 1, 100);
    await write('large', 2, 11);
    const expected: ExpectedDocument[] = [
      ['small', 1],
      ['large', 2],
      ['huge', 1],
    ].map(([id, revision]) => ({
      id: String(id),
      customerId: `c-${String(id)}`,
      revision: Number(revision),
      deleted: false,
      finalWriteAt: 0,
    }));
    const blobs = BlobServiceClient.fromConnectionString(pipeline.stack.settings.STORAGE_CONNECTION_STRING);
    const targets: TargetUnderTest[] = [
      {
        name: 'orders-copy',
        subscription: 'cosmos-target',
        read: cosmosReader(pipeline.cosmos.database('shop').container('orders-copy')),
      },
      { name: 'orders-pg', subscription: 'postgres-target', read: postgresReader(String(extra.postgresSchema)) },
      { name: 'orders-redis', subscription: 'redis-target', read: redisReader(String(extra.redisPrefix)) },
      {
        name: 'orders-blob',
        subscription: 'blob-target',
        read: blobReader(blobs.getContainerClient(extra.blobContainer)),
      },
      { name: 'orders-webhook', subscription: 'webhook-target', read: webhookReader(extra.webhook) },
    ];
    const progress: string[] = [];
    await waitForAll(targets, expected, 150_000, (line) => progress.push(line));
    expect(
      targets.filter((target) => target.convergedAt === undefined).map((target) => target.name),
      progress.slice(-3).join('\n'),
    ).toEqual([]);

    // Every large version went as a reference (the 300 KB one may be read once or twice by the change feed).
    const checked = new Set(claimChecked.map((line) => line['documentId']));
    expect([...checked].sort()).toEqual(['huge', 'large']);
    expect(claimChecked.every((line) => Number(line['bytes']) > 256 * 1024)).toBe(true);
    expect(poisoned).toEqual([]);
    expect(hostErrors).toEqual([]);

    // Byte for byte: each target holds the whole large field, not a reference.
    const sizes = await heldSizes(pipeline, extra);
    for (const [target, held] of Object.entries(sizes)) expect([target, held]).toEqual([target, SIZES]);
    expect(priceHistory.get('huge')?.prices).toEqual([100]);
    expect(priceHistory.get('large')?.prices.at(-1)).toBe(11);
  }, 180_000);

  it('the timer’s sweep deletes the claim blobs past the retention, and nothing else', async () => {
    const names = async () => {
      const found: string[] = [];
      for await (const blob of claims.listBlobsFlat()) found.push(blob.name);
      return found.sort();
    };
    // A claim blob of its own, so this test does not depend on the one before.
    await source().items.upsert({
      id: 'swept',
      customerId: 'c-swept',
      type: 'order',
      price: 1,
      blob: 'y'.repeat(300_000),
    });
    await eventually(
      async () => (claimChecked.some((line) => line['documentId'] === 'swept') ? true : undefined),
      'the claim check of the document "swept"',
    );
    const claimBlobs = await names();
    expect(claimBlobs.length).toBeGreaterThanOrEqual(1);
    expect(claimBlobs.every((name) => /^\d{4}-\d{2}-\d{2}\/[0-9a-f]{64}\.json$/.test(name))).toBe(true);
    await claims.getBlockBlobClient('operator-notes.txt').uploadData(Buffer.from('not a claim'));

    const config = parseConfig(pipeline.settings);
    const retention = config.settings.COSMOS_SYNC_CLAIM_RETENTION_DAYS;
    const sweep = claimSweeper(
      config,
      createLogger({ debug: () => {}, info: () => {}, warn: () => {}, error: () => {} }),
    );
    await sweep(new Date(Date.now() + (retention - 1) * DAY_MS));
    expect(await names()).toEqual([...claimBlobs, 'operator-notes.txt'].sort());
    await sweep(new Date(Date.now() + (retention + 1) * DAY_MS));
    expect(await names()).toEqual(['operator-notes.txt']);
  });
});

/** The length of the `blob` field each target holds, per document id, read through each store's own client. */
async function heldSizes(
  pipeline: LocalPipeline,
  extra: SampleTargets,
): Promise<Record<string, Record<string, number>>> {
  const ids = Object.keys(SIZES);
  const sizeOf = (document: unknown) => String((document as { blob?: unknown } | null)?.blob ?? '').length;
  const sizes: Record<string, Record<string, number>> = {};
  const copy = pipeline.cosmos.database('shop').container('orders-copy');
  sizes['cosmos'] = Object.fromEntries(
    await Promise.all(ids.map(async (id) => [id, sizeOf((await copy.item(id, `c-${id}`).read()).resource)] as const)),
  );
  const client = new pg.Client({ connectionString: DEMO_POSTGRES_URL });
  await client.connect();
  try {
    const { rows } = await client.query<{ id: string; size: number }>(
      `select id, length(document->>'blob') as size from "${String(extra.postgresSchema)}"."orders"`,
    );
    sizes['postgres'] = Object.fromEntries(rows.map((row) => [row.id, Number(row.size)]));
  } finally {
    await client.end();
  }
  const cache = new Redis(DEMO_REDIS_URL);
  try {
    sizes['redis'] = Object.fromEntries(
      await Promise.all(
        ids.map(async (id) => {
          const value = await cache.get(`${String(extra.redisPrefix)}:orders:c-${id}:${id}`);
          return [id, sizeOf(value ? JSON.parse(value) : null)] as const;
        }),
      ),
    );
  } finally {
    cache.disconnect();
  }
  const archive = BlobServiceClient.fromConnectionString(
    pipeline.stack.settings.STORAGE_CONNECTION_STRING,
  ).getContainerClient(extra.blobContainer);
  sizes['blob'] = Object.fromEntries(
    await Promise.all(
      ids.map(async (id) => {
        const name = latestBlobName('', { source: SOURCE, partitionKey: `c-${id}`, documentId: id });
        return [
          id,
          sizeOf(JSON.parse((await archive.getBlobClient(name).downloadToBuffer()).toString('utf8'))),
        ] as const;
      }),
    ),
  );
  sizes['webhook'] = Object.fromEntries(
    ids.map((id) => [
      id,
      sizeOf(extra.webhook.read({ source: SOURCE, partitionKey: `c-${id}`, documentId: id })?.document),
    ]),
  );
  return sizes;
}
