import { randomUUID } from 'node:crypto';
import { ServiceBusClient } from '@azure/service-bus';
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalPipeline, type LocalPipeline } from '../../dev/pipeline.js';
import { functionLogData } from '../../local-host/log.js';
import { changeEventSchema } from '../../shared/events/envelope.js';
import { sessionIdFor } from '../../shared/events/ids.js';
import { bodyAsJson, makeEvent } from '../support/events.js';
import { configWithAuditSubscription, eventually, readTarget } from './support.js';

describe('pipeline end to end: Cosmos DB -> Service Bus -> Cosmos DB target', () => {
  let pipeline: LocalPipeline;
  const hostErrors: unknown[] = [];
  /** Every batch the subscribers settled, as they log it: tests wait on these instead of sleeping. */
  const settled: Record<string, unknown>[] = [];

  beforeAll(async () => {
    pipeline = await startLocalPipeline({
      stack: { serviceBusConfig: configWithAuditSubscription() },
      log: (line) => {
        if (line['level'] === 'error') hostErrors.push(line);
        const data = functionLogData(line);
        if (data?.['event'] === 'batch.settled') settled.push(data);
      },
    });
  });
  afterAll(async () => {
    await pipeline?.close();
  });

  const source = () => pipeline.cosmos.database('shop').container('orders');
  const target = () => pipeline.cosmos.database('shop').container('orders-copy');

  it('copies creates and updates at the right version', async () => {
    await source().items.create({ id: 'e2e-1', customerId: 'c1', type: 'order', revision: 1, total: 5 });
    const created = await eventually(() => readTarget(target(), 'e2e-1', 'c1'), 'the created document in the target');
    expect(created).toMatchObject({
      id: 'e2e-1',
      pk: 'c1',
      revision: 1,
      total: 5,
      _sync: { deleted: false, source: 'orders' },
    });
    await source().items.upsert({ id: 'e2e-1', customerId: 'c1', type: 'order', revision: 2, total: 7 });
    const updated = await eventually(async () => {
      const doc = await readTarget(target(), 'e2e-1', 'c1');
      return doc?.revision === 2 ? doc : undefined;
    }, 'the update in the target');
    expect(updated.total).toBe(7);
    expect(updated._sync.lsn).toBeGreaterThan(created._sync.lsn);
    expect(updated).not.toHaveProperty('_lsn');
  });

  it('propagates a soft delete as a tombstone', async () => {
    await source().items.create({ id: 'e2e-del', customerId: 'c2', revision: 1 });
    await eventually(() => readTarget(target(), 'e2e-del', 'c2'), 'the document before deleting');
    await source().items.upsert({ id: 'e2e-del', customerId: 'c2', revision: 2, _deleted: true, ttl: 60 });
    const tombstone = await eventually(async () => {
      const doc = await readTarget(target(), 'e2e-del', 'c2');
      return doc?._sync.deleted ? doc : undefined;
    }, 'the tombstone');
    expect(tombstone).not.toHaveProperty('revision');
  });

  it('never regresses the target on duplicate or older deliveries', async () => {
    await source().items.create({ id: 'e2e-dup', customerId: 'c3', revision: 1 });
    const current = await eventually(() => readTarget(target(), 'e2e-dup', 'c3'), 'the document');
    const client = new ServiceBusClient(pipeline.stack.settings.SERVICEBUS_CONNECTION_STRING);
    try {
      const sender = client.createSender('cosmos-sync-events');
      const stale = makeEvent({
        id: 'e2e-dup',
        pk: 'c3',
        lsn: current._sync.lsn - 1,
        source: 'orders',
        data: { revision: 0 },
      });
      const same = makeEvent({
        id: 'e2e-dup',
        pk: 'c3',
        lsn: current._sync.lsn,
        ts: current._sync.ts,
        source: 'orders',
        data: { revision: -1 },
      });
      const settledBefore = settled.length;
      const buckets = Number(pipeline.settings['COSMOS_SYNC_SESSION_BUCKETS'] ?? '64');
      for (const event of [stale, same]) {
        // A fresh message id, so duplicate detection does not drop it: the target's version guard must. The key's
        // own session, as the publisher would use, for the subscriptions that require sessions.
        await sender.sendMessages({
          body: Buffer.from(JSON.stringify(event)),
          messageId: randomUUID(),
          sessionId: sessionIdFor('c3', buckets),
          contentType: 'application/json',
        });
      }
      await eventually(async () => {
        const refused = settled
          .slice(settledBefore)
          .filter((line) => line['target'] === 'orders-copy')
          .reduce((sum, line) => sum + Number(line['stale'] ?? 0) + Number(line['superseded'] ?? 0), 0);
        return refused >= 2 ? refused : undefined;
      }, 'the Cosmos target to settle both old deliveries as stale or superseded');
      expect(await readTarget(target(), 'e2e-dup', 'c3')).toMatchObject({
        revision: 1,
        _sync: { lsn: current._sync.lsn },
      });
    } finally {
      await client.close();
    }
  });

  it('quarantines a poison document with its reason and keeps syncing the others', async () => {
    // Cosmos DB stores a document without its partition key property (in the "none" partition); it cannot be routed.
    await source().items.create({ id: 'e2e-poison', revision: 1 });
    await source().items.create({ id: 'e2e-after-poison', customerId: 'c4', revision: 1 });
    await eventually(() => readTarget(target(), 'e2e-after-poison', 'c4'), 'the document after the poison one');
    const blobs = BlobServiceClient.fromConnectionString(
      pipeline.stack.settings.STORAGE_CONNECTION_STRING,
    ).getContainerClient('cosmos-sync-quarantine');
    const names = await eventually(async () => {
      const found: string[] = [];
      for await (const blob of blobs.listBlobsFlat({ prefix: 'orders/' })) found.push(blob.name);
      return found.length > 0 ? found : undefined;
    }, 'the quarantined document');
    expect(names.some((name) => name.includes('/MISSING_PARTITION_KEY/'))).toBe(true);
  });

  it('keeps per-key order in the topic (audit subscription)', async () => {
    for (let revision = 1; revision <= 5; revision += 1) {
      await source().items.upsert({ id: 'e2e-order', customerId: 'c5', revision });
    }
    await eventually(async () => {
      const doc = await readTarget(target(), 'e2e-order', 'c5');
      return doc?.revision === 5 ? doc : undefined;
    }, 'the last revision');
    // Short operation timeout: acceptNextSession waits that long before saying no session is left (60 s by default).
    const client = new ServiceBusClient(pipeline.stack.settings.SERVICEBUS_CONNECTION_STRING, {
      retryOptions: { timeoutInMs: 2_000, maxRetries: 1 },
    });
    const lsnsByKey = new Map<string, number[]>();
    try {
      for (;;) {
        let receiver;
        try {
          receiver = await client.acceptNextSession('cosmos-sync-events', 'audit', {
            maxAutoLockRenewalDurationInMs: 0,
          });
        } catch (error) {
          if ((error as { code?: string }).code === 'ServiceTimeout') break;
          throw error;
        }
        for (;;) {
          const batch = await receiver.receiveMessages(500, { maxWaitTimeInMs: 500 });
          if (batch.length === 0) break;
          for (const message of batch) {
            const event = changeEventSchema.parse(bodyAsJson(message.body));
            const key = `${String(event.partitionKey)}/${event.documentId}`;
            lsnsByKey.set(key, [...(lsnsByKey.get(key) ?? []), event.version.lsn]);
            await receiver.completeMessage(message);
          }
        }
        await receiver.close();
      }
    } finally {
      await client.close();
    }
    expect(lsnsByKey.size).toBeGreaterThan(3);
    // e2e-dup received hand-sent stale events on purpose; every other key must arrive in LSN order.
    lsnsByKey.delete('c3/e2e-dup');
    for (const [key, lsns] of lsnsByKey) expect(lsns, key).toEqual([...lsns].sort((a, b) => a - b));
    expect(hostErrors).toEqual([]);
  });
});
