/**
 * The local Service Bus management endpoint, driven by the real `ServiceBusAdministrationClient`. Counts come from a
 * fixed in-test `RuntimeCountsSource`, so this file needs no broker.
 */

import { isRestError, type RestError } from '@azure/core-rest-pipeline';
import type { ServiceBusAdministrationClient } from '@azure/service-bus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createLocalAdministrationClient,
  startAdminEndpoint,
  type AdminEndpoint,
} from '../../local-stack/servicebus/admin/index.js';
import { fixedCountsSource } from './support/fixed-runtime-counts.js';

const CONNECTION_STRING =
  'Endpoint=sb://localhost;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true;';

let endpoint: AdminEndpoint;
let admin: ServiceBusAdministrationClient;

beforeAll(async () => {
  endpoint = await startAdminEndpoint({ counts: fixedCountsSource });
  admin = createLocalAdministrationClient(CONNECTION_STRING, endpoint.endpoint);
});

afterAll(async () => {
  await endpoint.close();
});

/** Runs `call`, expecting the SDK to reject with a RestError, and returns it for assertions. */
async function restErrorFrom(call: () => Promise<unknown>): Promise<RestError> {
  const error = await call().then(
    () => undefined,
    (rejection: unknown) => rejection,
  );
  // isRestError, not instanceof: the SDK loads the CommonJS build of core-rest-pipeline, this file the ESM one.
  if (!isRestError(error)) {
    throw new Error(`expected a RestError, got ${String(error)}`);
  }
  return error;
}

/** A raw request with a SAS-looking header, for what the SDK cannot send (bad paths, no credentials). */
async function rawGet(path: string, authorization = 'SharedAccessSignature sr=x&sig=y&se=1&skn=k'): Promise<Response> {
  return fetch(`${endpoint.endpoint}${path}`, { headers: authorization === '' ? {} : { authorization } });
}

describe('runtime properties', () => {
  it('reports a queue’s counts, size and timestamps', async () => {
    const queue = await admin.getQueueRuntimeProperties('smoke-queue');
    expect(queue).toMatchObject({
      name: 'smoke-queue',
      activeMessageCount: 5,
      deadLetterMessageCount: 2,
      scheduledMessageCount: 1,
      transferMessageCount: 3,
      transferDeadLetterMessageCount: 4,
      totalMessageCount: 15,
      sizeInBytes: 4096,
      createdAt: new Date('2026-01-01T00:00:00.000Z'),
      modifiedAt: new Date('2026-01-02T00:00:00.000Z'),
      accessedAt: new Date('2026-01-03T00:00:00.000Z'),
    });
  });

  it('reports a subscription’s counts with its topic and name', async () => {
    const subscription = await admin.getSubscriptionRuntimeProperties('cosmos-sync-events', 'cosmos-target');
    expect(subscription).toMatchObject({
      topicName: 'cosmos-sync-events',
      subscriptionName: 'cosmos-target',
      activeMessageCount: 7,
      deadLetterMessageCount: 1,
      transferMessageCount: 0,
      transferDeadLetterMessageCount: 0,
      totalMessageCount: 8,
      createdAt: new Date('2026-01-01T00:00:00.000Z'),
    });
  });

  it('reports a topic’s subscription count, scheduled count and size', async () => {
    const topic = await admin.getTopicRuntimeProperties('cosmos-sync-events');
    expect(topic).toMatchObject({
      name: 'cosmos-sync-events',
      subscriptionCount: 2,
      scheduledMessageCount: 6,
      sizeInBytes: 2048,
      modifiedAt: new Date('2026-01-02T00:00:00.000Z'),
    });
  });

  it('lists every queue, and pages through them with continuation tokens', async () => {
    const all = [];
    for await (const queue of admin.listQueuesRuntimeProperties()) all.push(queue);
    expect(all.map((queue) => [queue.name, queue.activeMessageCount])).toEqual([
      ['smoke-queue', 5],
      ['orders.v2-eu', 0],
      ['tenant-a/orders', 0],
    ]);

    const pages = [];
    for await (const page of admin.listQueuesRuntimeProperties().byPage({ maxPageSize: 2 })) {
      pages.push(page.map((queue) => queue.name));
    }
    expect(pages).toEqual([['smoke-queue', 'orders.v2-eu'], ['tenant-a/orders']]);
  });

  it('lists the subscriptions of a topic, and none for a topic without any', async () => {
    const subscriptions = [];
    for await (const item of admin.listSubscriptionsRuntimeProperties('cosmos-sync-events')) subscriptions.push(item);
    expect(subscriptions.map((item) => [item.subscriptionName, item.totalMessageCount])).toEqual([
      ['cosmos-target', 8],
      ['audit.log-1', 0],
    ]);

    const none = [];
    for await (const item of admin.listSubscriptionsRuntimeProperties('quiet-topic')) none.push(item);
    expect(none).toEqual([]);
  });

  it('lists topics with their runtime properties', async () => {
    const names = [];
    for await (const topic of admin.listTopicsRuntimeProperties()) names.push([topic.name, topic.subscriptionCount]);
    expect(names).toEqual([
      ['cosmos-sync-events', 2],
      ['quiet-topic', 0],
    ]);
  });
});

describe('entity descriptions', () => {
  it('describes a queue from its configured properties, with Azure’s defaults for the rest', async () => {
    const queue = await admin.getQueue('smoke-queue');
    expect(queue).toMatchObject({
      name: 'smoke-queue',
      lockDuration: 'PT1M',
      maxDeliveryCount: 10,
      requiresSession: false,
      requiresDuplicateDetection: false,
      defaultMessageTimeToLive: 'PT1H',
      duplicateDetectionHistoryTimeWindow: 'PT20S',
      deadLetteringOnMessageExpiration: false,
      forwardTo: undefined,
      maxSizeInMegabytes: 1024,
      enablePartitioning: false,
      enableBatchedOperations: true,
      autoDeleteOnIdle: 'P10675199DT2H48M5.4775807S',
      status: 'Active',
      availabilityStatus: 'Available',
      maxMessageSizeInKilobytes: 256,
    });
  });

  it('describes a topic', async () => {
    const topic = await admin.getTopic('cosmos-sync-events');
    expect(topic).toMatchObject({
      name: 'cosmos-sync-events',
      defaultMessageTimeToLive: 'P14D',
      duplicateDetectionHistoryTimeWindow: 'PT10M',
      requiresDuplicateDetection: true,
      supportOrdering: true,
      status: 'Active',
    });
  });

  it('describes a subscription, forwarding targets as sb:// URIs of the configured host', async () => {
    const subscription = await admin.getSubscription('cosmos-sync-events', 'audit.log-1');
    expect(subscription).toMatchObject({
      topicName: 'cosmos-sync-events',
      subscriptionName: 'audit.log-1',
      lockDuration: 'PT30S',
      maxDeliveryCount: 3,
      requiresSession: true,
      deadLetteringOnMessageExpiration: true,
      forwardDeadLetteredMessagesTo: 'sb://localhost/smoke-queue',
      forwardTo: undefined,
      status: 'Active',
    });
  });

  it('lists plain descriptions too', async () => {
    const queues = [];
    for await (const queue of admin.listQueues()) queues.push(queue.name);
    const subscriptions = [];
    for await (const item of admin.listSubscriptions('cosmos-sync-events')) subscriptions.push(item.lockDuration);
    expect(queues).toEqual(['smoke-queue', 'orders.v2-eu', 'tenant-a/orders']);
    expect(subscriptions).toEqual(['PT1M', 'PT30S']);
  });

  it('reports the namespace', async () => {
    const namespace = await admin.getNamespaceProperties();
    expect(namespace).toMatchObject({ name: 'sbemulatorns', messagingSku: 'Standard' });
  });
});

describe('names', () => {
  it('accepts dots, dashes and slashes', async () => {
    expect((await admin.getQueueRuntimeProperties('orders.v2-eu')).name).toBe('orders.v2-eu');
    expect((await admin.getQueueRuntimeProperties('tenant-a/orders')).name).toBe('tenant-a/orders');
    expect((await admin.getSubscription('cosmos-sync-events', 'audit.log-1')).subscriptionName).toBe('audit.log-1');
  });

  it('matches case-insensitively and answers with the configured spelling', async () => {
    expect((await admin.getQueueRuntimeProperties('SMOKE-Queue')).name).toBe('smoke-queue');
    const subscription = await admin.getSubscriptionRuntimeProperties('Cosmos-Sync-Events', 'COSMOS-TARGET');
    expect([subscription.topicName, subscription.subscriptionName]).toEqual(['cosmos-sync-events', 'cosmos-target']);
    expect(await admin.topicExists('COSMOS-SYNC-EVENTS')).toBe(true);
  });
});

describe('existence and not-found', () => {
  it('answers *Exists with true and false', async () => {
    expect(await admin.queueExists('smoke-queue')).toBe(true);
    expect(await admin.queueExists('no-such-queue')).toBe(false);
    expect(await admin.topicExists('cosmos-sync-events')).toBe(true);
    expect(await admin.topicExists('no-such-topic')).toBe(false);
    expect(await admin.subscriptionExists('cosmos-sync-events', 'cosmos-target')).toBe(true);
    expect(await admin.subscriptionExists('cosmos-sync-events', 'no-such-subscription')).toBe(false);
    expect(await admin.subscriptionExists('no-such-topic', 'cosmos-target')).toBe(false);
  });

  it('a topic is not a queue, as in Azure', async () => {
    expect(await admin.queueExists('cosmos-sync-events')).toBe(false);
  });

  it('an unknown queue or topic is the SDK’s not-found error on an HTTP 200 empty feed, as Azure answers', async () => {
    for (const call of [() => admin.getQueueRuntimeProperties('nope'), () => admin.getTopic('nope')]) {
      const error = await restErrorFrom(call);
      expect(error.code).toBe('MessageEntityNotFoundError');
      expect(error.statusCode).toBe(200);
      expect(error.message).toBe('The messaging entity "nope" being requested cannot be found.');
    }
  });

  it('an unknown subscription, or a subscription of an unknown topic, is a 404 not-found error', async () => {
    const unknownSubscription = await restErrorFrom(() =>
      admin.getSubscriptionRuntimeProperties('cosmos-sync-events', 'nope'),
    );
    expect(unknownSubscription.code).toBe('MessageEntityNotFoundError');
    expect(unknownSubscription.statusCode).toBe(404);
    expect(unknownSubscription.message).toMatch(/^Entity 'sbemulatorns:Topic:cosmos-sync-events\|nope' was not found/);

    const unknownTopic = await restErrorFrom(() => admin.getSubscription('nope', 'cosmos-target'));
    expect([unknownTopic.code, unknownTopic.statusCode]).toEqual(['MessageEntityNotFoundError', 404]);

    const listOfUnknownTopic = await restErrorFrom(() => admin.listSubscriptionsRuntimeProperties('nope').next());
    expect([listOfUnknownTopic.code, listOfUnknownTopic.statusCode]).toEqual(['MessageEntityNotFoundError', 404]);
  });
});

describe('requests the endpoint refuses', () => {
  it('rejects an invalid entity name through the SDK with a 400 and the reason', async () => {
    const error = await restErrorFrom(() => admin.getQueue('bad name!'));
    expect([error.code, error.statusCode]).toEqual(['ServiceError', 400]);
    expect(error.message).toContain("'bad name!' is not a valid entity name");
  });

  it('answers malformed paths with 400 and a clear message', async () => {
    const cases: [string, string][] = [
      ['/smoke-queue//x?api-version=2021-05', 'has an empty segment'],
      ['/%E0%A4%A?api-version=2021-05', 'not valid percent-encoding'],
      ['/$Resources/EventHubs', 'not a supported collection'],
      ['/Subscriptions/cosmos-target', 'needs a topic name'],
      ['/cosmos-sync-events/Subscriptions/cosmos-target/extra', 'Unexpected path after subscription'],
      ['/smoke-queue?$top=zero', '$top must be a positive integer'],
    ];
    for (const [path, expected] of cases) {
      const response = await rawGet(path);
      const body = await response.text();
      expect([path, response.status]).toEqual([path, 400]);
      expect(body).toMatch(
        /^<Error><Code>400<\/Code><Detail>Bad request path: |^<Error><Code>400<\/Code><Detail>\$top/,
      );
      expect(body).toContain(expected);
    }
  });

  it('refuses write operations with 405 MethodNotAllowed and says why', async () => {
    const writes = [
      () => admin.createQueue('new-queue'),
      () => admin.deleteQueue('smoke-queue'),
      () => admin.createSubscription('cosmos-sync-events', 'new-subscription'),
      () => admin.deleteTopic('cosmos-sync-events'),
    ];
    for (const write of writes) {
      const error = await restErrorFrom(write);
      expect([error.code, error.statusCode]).toEqual(['MethodNotAllowed', 405]);
      expect(error.message).toContain('read-only');
    }
  });

  it('does not serve rules, and says so', async () => {
    const error = await restErrorFrom(() => admin.listRules('cosmos-sync-events', 'cosmos-target').next());
    expect([error.code, error.statusCode]).toEqual(['NotImplemented', 501]);
    expect(error.message).toContain('Rules are not served');
  });

  it('refuses anonymous requests with 401, like Service Bus', async () => {
    const response = await rawGet('/smoke-queue?api-version=2021-05', '');
    expect(response.status).toBe(401);
    expect(await response.text()).toContain('Unauthorized');
  });
});

describe('lifecycle', () => {
  it('serves a client whose Endpoint has a port, frees its port on close, and can be closed twice', async () => {
    const spare = await startAdminEndpoint({ counts: fixedCountsSource });
    expect(spare.endpoint).toBe(`http://127.0.0.1:${spare.port}`);
    // A port in the connection string's Endpoint must not leak into the rewritten URL, but shows in what is reported.
    const withPort = CONNECTION_STRING.replace('sb://localhost', 'sb://localhost:5300');
    const client = createLocalAdministrationClient(withPort, spare.endpoint);
    const subscription = await client.getSubscription('cosmos-sync-events', 'audit.log-1');
    expect(subscription.forwardDeadLetteredMessagesTo).toBe('sb://localhost:5300/smoke-queue');
    await Promise.all([spare.close(), spare.close()]);
    const again = await startAdminEndpoint({ counts: fixedCountsSource, port: spare.port });
    await again.close();
  });
});
