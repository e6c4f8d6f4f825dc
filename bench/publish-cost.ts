/**
 * Publish-path CPU cost per event (mapping, envelope, message, AMQP encoding into a real message batch) against the
 * cost of only `JSON.stringify` of the same documents, measured in the same run. Sending is left out: that is the
 * broker's and the network's time, not the code's.
 */
import { ServiceBusClient, type ServiceBusMessageBatch } from '@azure/service-bus';
import { startServiceBusBroker } from '../local-stack/servicebus/index.js';
import { mapLatestVersionItem } from '../shared/events/map-change.js';
import { toServiceBusMessage } from '../shared/publish/to-message.js';
import type { PublishSource } from '../shared/publish/publisher.js';
import { cpuMicrosPerItem, measure, printRows, progress } from './support.js';

const source: PublishSource = {
  name: 'orders',
  account: 'bench',
  database: 'shop',
  container: 'orders',
  partitionKeyPaths: ['/customerId'],
  softDelete: { field: '_deleted', value: true },
  changeFeedMode: 'LatestVersion',
  typeField: 'type',
};

function sampleDocuments(count: number): Record<string, unknown>[] {
  return Array.from({ length: count }, (_, index) => ({
    id: `order-${index}`,
    customerId: `customer-${index % 500}`,
    type: 'order',
    status: index % 3 === 0 ? 'shipped' : 'open',
    lines: Array.from({ length: 5 }, (__, line) => ({
      sku: `sku-${line}`,
      quantity: line + 1,
      price: 9.99 * (line + 1),
    })),
    address: { street: `${index} Main Street`, city: 'Springfield', country: 'US' },
    notes: 'x'.repeat(300),
    _rid: 'abc==',
    _self: 'dbs/abc/colls/def/docs/ghi',
    _etag: '"0000-0000"',
    _ts: 1_700_000_000 + index,
    _lsn: index + 1,
  }));
}

export async function benchPublishCost(count = 20_000, rounds = 3): Promise<{ ratio: number }> {
  const broker = await startServiceBusBroker({ log: () => {} });
  const client = new ServiceBusClient(broker.connectionString);
  try {
    const sender = client.createSender('cosmos-sync-events');
    const documents = sampleDocuments(count);
    const publishedAt = new Date().toISOString();
    const batches: ServiceBusMessageBatch[] = [];
    progress(`measuring ${rounds} rounds of ${count} documents`);
    let best = { stringify: Infinity, code: Infinity, publish: Infinity };
    for (let round = 0; round < rounds; round += 1) {
      const stringify = await measure('JSON.stringify only (baseline)', count, async () => {
        let bytes = 0;
        for (const document of documents) bytes += JSON.stringify(document).length;
        if (bytes === 0) throw new Error('unreachable');
      });
      const code = await measure('map + envelope + message (our code)', count, async () => {
        for (const document of documents) {
          const mapped = mapLatestVersionItem(document, source, publishedAt);
          if (!mapped.ok) throw new Error(mapped.reason);
          toServiceBusMessage(mapped.event, { sessionBuckets: 64, typeField: 'type' });
        }
      });
      // Batches are created up front: creating one is a link round trip, not publish-path CPU.
      batches.length = 0;
      for (let index = 0; index < Math.ceil(count / 100) + 10; index += 1)
        batches.push(await sender.createMessageBatch());
      let batchIndex = 0;
      const publish = await measure('map + envelope + message + batch encoding', count, async () => {
        let batch = batches[batchIndex] as ServiceBusMessageBatch;
        for (const document of documents) {
          const mapped = mapLatestVersionItem(document, source, publishedAt);
          if (!mapped.ok) throw new Error(mapped.reason);
          const message = toServiceBusMessage(mapped.event, { sessionBuckets: 64, typeField: 'type' });
          if (!batch.tryAddMessage(message)) {
            batchIndex += 1;
            batch = batches[batchIndex] as ServiceBusMessageBatch;
            if (!batch.tryAddMessage(message)) throw new Error('a message did not fit an empty batch');
          }
        }
      });
      best = {
        stringify: Math.min(best.stringify, cpuMicrosPerItem(stringify)),
        code: Math.min(best.code, cpuMicrosPerItem(code)),
        publish: Math.min(best.publish, cpuMicrosPerItem(publish)),
      };
    }
    const ratio = best.code / best.stringify;
    printRows('Publish path: CPU per event (best of rounds)', [
      { path: 'JSON.stringify of the document (baseline)', 'CPU µs/event': best.stringify, 'x baseline': 1 },
      { path: 'map + envelope + message (our code)', 'CPU µs/event': best.code, 'x baseline': ratio },
      {
        path: '... + the SDK adding it to a batch (AMQP encoding)',
        'CPU µs/event': best.publish,
        'x baseline': best.publish / best.stringify,
      },
    ]);
    console.log(`target: our code at most 3x the baseline -> ${ratio <= 3 ? 'met' : 'NOT met'} (${ratio.toFixed(2)}x)`);
    return { ratio };
  } finally {
    await client.close();
    await broker.close();
  }
}
