/**
 * Subscription backlogs read through the real `ServiceBusAdministrationClient` from the local broker's management
 * endpoint, reached the way the app reaches it: the `ServiceBus` connection string plus `ServiceBus__adminEndpoint`.
 */
import { ServiceBusClient } from '@azure/service-bus';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local-stack/stack.js';
import type { ResolvedConnection } from '../../shared/config/connections.js';
import { serviceBusAdminClientFor } from '../../shared/clients/servicebus-admin.js';
import { readBacklogs } from '../../shared/metrics/backlog.js';

const TOPIC = 'cosmos-sync-events';
let stack: LocalStack;
let client: ServiceBusClient;
let connection: ResolvedConnection;

beforeAll(async () => {
  stack = await startLocalStack();
  client = new ServiceBusClient(stack.settings.SERVICEBUS_CONNECTION_STRING);
  connection = {
    kind: 'connectionString',
    setting: 'ServiceBus',
    connectionString: stack.settings.SERVICEBUS_CONNECTION_STRING,
  };
});

afterAll(async () => {
  await client?.close();
  await stack?.close();
});

async function send(count: number, sessionId: string): Promise<void> {
  const sender = client.createSender(TOPIC);
  const batch = await sender.createMessageBatch();
  for (let i = 0; i < count; i += 1) {
    expect(batch.tryAddMessage({ body: { i }, messageId: randomUUID(), sessionId })).toBe(true);
  }
  await sender.sendMessages(batch);
  await sender.close();
}

/** A free port nobody listens on, for "no answer". */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('readBacklogs against the local broker', () => {
  it('counts active and dead-lettered messages per subscription, all targets at once', async () => {
    const admin = serviceBusAdminClientFor(connection, stack.settings.SERVICEBUS_ADMIN_ENDPOINT);
    const session = `bucket-${randomUUID().slice(0, 8)}`;
    await send(7, session);
    // Scheduled messages wait on the topic (not in subscriptions) until due, so every target reports them.
    const scheduler = client.createSender(TOPIC);
    const inAnHour = new Date(Date.now() + 3_600_000);
    await scheduler.scheduleMessages(
      [1, 2].map((i) => ({ body: { i }, messageId: randomUUID(), sessionId: session })),
      inAnHour,
    );
    await scheduler.close();

    // Dead-letter three from one subscription (store targets' subscriptions have no sessions).
    const receiver = client.createReceiver(TOPIC, 'postgres-target');
    const received = await receiver.receiveMessages(3, { maxWaitTimeInMs: 5_000 });
    expect(received).toHaveLength(3);
    for (const message of received) {
      await receiver.deadLetterMessage(message, { deadLetterReason: 'TEST', deadLetterErrorDescription: 'backlog' });
    }
    await receiver.close();

    const backlogs = await readBacklogs(admin, TOPIC, [
      { target: 'copy', subscription: 'cosmos-target' },
      { target: 'pg', subscription: 'postgres-target' },
    ]);
    expect([...backlogs.keys()]).toEqual(['copy', 'pg']);
    expect(backlogs.get('copy')).toEqual({ active: 7, deadLettered: 0, scheduled: 2 });
    expect(backlogs.get('pg')).toEqual({ active: 4, deadLettered: 3, scheduled: 2 });
  });

  it('reports an unknown subscription or topic as a problem naming it, and still reads the others', async () => {
    const admin = serviceBusAdminClientFor(connection, stack.settings.SERVICEBUS_ADMIN_ENDPOINT);
    const backlogs = await readBacklogs(admin, TOPIC, [
      { target: 'ghost', subscription: 'no-such-subscription' },
      { target: 'cache', subscription: 'redis-target' },
    ]);
    expect(backlogs.get('ghost')).toEqual({
      code: 'SUBSCRIPTION_NOT_FOUND',
      retryable: false,
      message: expect.stringMatching(
        /subscription "no-such-subscription" of topic "cosmos-sync-events" \(target ghost\)/,
      ),
    });
    expect(backlogs.get('cache')).toEqual({
      active: expect.any(Number),
      deadLettered: 0,
      scheduled: expect.any(Number),
    });

    const unknownTopic = await readBacklogs(admin, 'no-such-topic', [
      { target: 'copy', subscription: 'cosmos-target' },
    ]);
    expect(unknownTopic.get('copy')).toMatchObject({ code: 'SUBSCRIPTION_NOT_FOUND', retryable: false });
  });

  it('reports an unreachable management endpoint as a retryable problem', async () => {
    const port = await closedPort();
    const admin = serviceBusAdminClientFor(connection, `http://127.0.0.1:${port}`, { retryOptions: { maxRetries: 0 } });
    const backlogs = await readBacklogs(admin, TOPIC, [{ target: 'copy', subscription: 'cosmos-target' }]);
    expect(backlogs.get('copy')).toMatchObject({ code: 'BACKLOG_UNAVAILABLE', retryable: true });
  });

  it('returns an empty map for no targets without calling the service', async () => {
    const backlogs = await readBacklogs(
      {
        getSubscriptionRuntimeProperties: () => Promise.reject(new Error('must not be called')),
        getTopicRuntimeProperties: () => Promise.reject(new Error('must not be called')),
      },
      TOPIC,
      [],
    );
    expect(backlogs.size).toBe(0);
  });
});
