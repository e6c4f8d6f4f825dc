/**
 * Throughput of the Blob and webhook targets against their local peers (in-process Azurite, the reference webhook
 * receiver), batches as the subscriber hands them over. Run: `npx tsx bench/targets-blob-webhook.ts`. Figures are
 * only comparable within one run on one machine: Azurite and the receiver share the process and its CPU; the
 * baseline row (plain uploads, same parallelism) is what Azurite and the SDK cost without the target.
 */
import { randomBytes } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { BlobServiceClient } from '@azure/storage-blob';
import { startAzurite } from '../local-stack/azurite.js';
import type { ChangeEvent } from '../shared/events/envelope.js';
import { eventIdFor } from '../shared/events/ids.js';
import { mapBounded } from '../shared/map-bounded.js';
import { blobTargetSchema, createBlobTarget } from '../shared/targets/blob/index.js';
import type { Target } from '../shared/targets/target.js';
import { createWebhookTarget, webhookTargetSchema } from '../shared/targets/webhook/index.js';
import { startWebhookReceiver } from '../dev/webhook-receiver.js';
import { cpuMicrosPerItem, measure, perSecond, printRows, progress, type Measurement } from './support.js';

const EVENTS = 2_000;
const BATCH = 100;

function events(lsn: number): ChangeEvent[] {
  return Array.from({ length: EVENTS }, (_, index) => {
    const documentId = `order-${index}`;
    const partitionKey = `customer-${index % 50}`;
    const eventId = eventIdFor({ sourceName: 'orders', documentId, partitionKey, lsn, operation: 'upsert' });
    return {
      schemaVersion: 1,
      eventId,
      correlationId: eventId,
      source: { name: 'orders', account: 'localhost', database: 'shop', container: 'orders' },
      documentId,
      partitionKey,
      version: { lsn, ts: 1_735_689_600 + lsn },
      publishedAt: new Date().toISOString(),
      operation: 'upsert',
      payload: { id: documentId, customerId: partitionKey, total: index, lines: Array.from({ length: 5 }, () => 'x') },
    };
  });
}

async function run(label: string, target: Target, batchOf: ChangeEvent[]): Promise<Measurement> {
  return measure(label, batchOf.length, async () => {
    for (let start = 0; start < batchOf.length; start += BATCH) {
      await target.applyBatch(batchOf.slice(start, start + BATCH));
    }
  });
}

export async function benchBlobWebhookTargets(): Promise<void> {
  const results: Measurement[] = [];
  const azurite = await startAzurite({ silent: true });
  try {
    const connection = {
      kind: 'connectionString' as const,
      setting: 'Bench',
      connectionString: azurite.connectionString,
    };
    progress('blob baseline');
    const raw = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient('bench-raw');
    await raw.createIfNotExists();
    // Baseline: the same blobs uploaded unconditionally, no HEAD, same parallelism: what Azurite and the SDK cost.
    results.push(
      await measure('baseline: raw SDK upload', EVENTS, async () => {
        const all = events(1);
        for (let start = 0; start < all.length; start += BATCH) {
          await mapBounded(all.slice(start, start + BATCH), 16, async (event) => {
            const body = JSON.stringify(event.payload);
            await raw.getBlockBlobClient(`${event.documentId}.json`).upload(body, Buffer.byteLength(body));
          });
        }
      }),
    );
    for (const mode of ['latest', 'archive'] as const) {
      progress(`blob ${mode}`);
      const config = blobTargetSchema.parse({
        name: 'b',
        type: 'blob',
        subscription: 's',
        container: `bench-${mode}`,
        mode,
      });
      const target = createBlobTarget(config, { connection });
      await target.open();
      const first = events(1);
      results.push(await run(`blob ${mode}: new documents`, target, first));
      results.push(await run(`blob ${mode}: redelivery (no writes)`, target, first));
      if (mode === 'latest') results.push(await run(`blob ${mode}: updates`, target, events(2)));
      await target.close();
    }
  } finally {
    await azurite.close();
  }

  const secret = randomBytes(32).toString('hex');
  const receiver = await startWebhookReceiver({ secret });
  try {
    for (const maxEventsPerRequest of [1, 100]) {
      progress(`webhook, ${maxEventsPerRequest} event(s) per request`);
      const config = webhookTargetSchema.parse({
        name: 'w',
        type: 'webhook',
        subscription: 's',
        url: receiver.url,
        maxEventsPerRequest,
      });
      const target = createWebhookTarget(config, { env: { COSMOS_SYNC_WEBHOOK_SECRET: secret } });
      await target.open();
      results.push(await run(`webhook ${maxEventsPerRequest}/request: new`, target, events(10 + maxEventsPerRequest)));
      await target.close();
    }
  } finally {
    await receiver.close();
  }

  printRows(
    `Targets: ${EVENTS} events in batches of ${BATCH} (Azurite / receiver in the same process)`,
    results.map((m) => ({
      case: m.label,
      'events/s': Math.round(perSecond(m)),
      'cpu µs/event': Math.round(cpuMicrosPerItem(m)),
    })),
  );
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  benchBlobWebhookTargets().catch((error: unknown) => {
    console.error('benchmark failed:', error);
    process.exit(1);
  });
}
