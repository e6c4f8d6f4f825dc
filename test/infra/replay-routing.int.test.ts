/**
 * The subscription rule on the local broker with real messages through the SDK: every target subscription gets the
 * live events and the replays addressed to it, never another target's replay; the replay's own message id gets it
 * past the topic's duplicate detection once, and a repeated replay of the same thing is dropped.
 */
import { ServiceBusClient, type ServiceBusMessage } from '@azure/service-bus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServiceBusBroker, type LocalServiceBus } from '../../local-stack/servicebus/index.js';
import { addressedTo, REPLAY_TO_PROPERTY, replayMessageId, subscriptionFilterFor } from '../../shared/events/replay.js';

const TOPIC = 'cosmos-sync-events';
const SUBSCRIPTIONS = ['cosmos-target', 'postgres-target', 'redis-target', 'blob-target', 'webhook-target'];

let broker: LocalServiceBus;
let client: ServiceBusClient;
beforeAll(async () => {
  // The project's own configuration file: what `npm start` and the end-to-end tests run with.
  broker = await startServiceBusBroker({ log: () => undefined });
  client = new ServiceBusClient(broker.connectionString, {
    retryOptions: { maxRetries: 1, retryDelayInMs: 100, timeoutInMs: 10_000 },
  });
});
afterAll(async () => {
  await client?.close();
  await broker?.close();
});

const live = (id: string, source = 'orders'): ServiceBusMessage => ({
  body: Buffer.from(JSON.stringify({ eventId: id })),
  messageId: id,
  subject: 'upsert',
  applicationProperties: { source, operation: 'upsert', schemaVersion: 1 },
});

/** The message ids each subscription holds, by peeking (no lock, nothing settled). */
async function held(topic: string, subscriptions: readonly string[]): Promise<Record<string, string[]>> {
  const result: Record<string, string[]> = {};
  for (const subscription of subscriptions) {
    const receiver = client.createReceiver(topic, subscription);
    const messages = await receiver.peekMessages(100);
    await receiver.close();
    result[subscription] = messages.map((message) => String(message.messageId)).sort();
  }
  return result;
}

/** Empties the subscriptions so each test starts from nothing. */
async function drain(topic: string, subscriptions: readonly string[]): Promise<void> {
  for (const subscription of subscriptions) {
    const receiver = client.createReceiver(topic, subscription, { receiveMode: 'receiveAndDelete' });
    let active = broker.counts.subscription(topic, subscription)?.activeMessageCount ?? 0;
    while (active > 0) {
      // Asking for exactly what is there returns as soon as it arrived, without waiting for more.
      await receiver.receiveMessages(active, { maxWaitTimeInMs: 10_000 });
      active = broker.counts.subscription(topic, subscription)?.activeMessageCount ?? 0;
    }
    await receiver.close();
  }
}

describe('replay routing on the local broker (default configuration)', () => {
  it('delivers live events to every target and a replay only to the subscription it is addressed to', async () => {
    await drain(TOPIC, SUBSCRIPTIONS);
    const sender = client.createSender(TOPIC);
    const original = live('event-1');
    const replayId = replayMessageId('replay', 'postgres-target', 'event-1#7');
    await sender.sendMessages([original, live('event-2')]);
    // Same body as event-1, which the topic saw a moment ago: only the replay's own id gets it through.
    await sender.sendMessages(addressedTo(original, 'postgres-target', 'replay', replayId));
    await sender.close();
    expect(await held(TOPIC, SUBSCRIPTIONS)).toEqual({
      'cosmos-target': ['event-1', 'event-2'],
      'postgres-target': ['event-1', 'event-2', replayId].sort(),
      'redis-target': ['event-1', 'event-2'],
      'blob-target': ['event-1', 'event-2'],
      'webhook-target': ['event-1', 'event-2'],
    });
  });

  it('drops a repeated replay of the same thing (same replay id) and a message addressed to nobody known', async () => {
    await drain(TOPIC, SUBSCRIPTIONS);
    const sender = client.createSender(TOPIC);
    const replayId = replayMessageId('replay', 'redis-target', 'event-3#1');
    const replay = addressedTo(live('event-3'), 'redis-target', 'replay', replayId);
    await sender.sendMessages(replay);
    await sender.sendMessages(replay);
    await sender.sendMessages({ ...live('event-4'), applicationProperties: { [REPLAY_TO_PROPERTY]: 'elsewhere' } });
    await sender.close();
    const counts = SUBSCRIPTIONS.map((name) => broker.counts.subscription(TOPIC, name)?.activeMessageCount);
    expect(counts).toEqual([0, 0, 1, 0, 0]);
    expect((await held(TOPIC, ['redis-target']))['redis-target']).toEqual([replayId]);
  });
});

describe('replay routing for a target limited to some sources', () => {
  let limited: LocalServiceBus;
  let limitedClient: ServiceBusClient;
  beforeAll(async () => {
    const subscription = (name: string, sources?: string[]) => ({
      Name: name,
      Properties: { MaxDeliveryCount: 10, LockDuration: 'PT1M' },
      Rules: [
        {
          Name: 'live-and-own-replays',
          Properties: { FilterType: 'Sql', SqlFilter: { SqlExpression: subscriptionFilterFor(name, sources) } },
        },
      ],
    });
    limited = await startServiceBusBroker({
      log: () => undefined,
      config: {
        UserConfig: {
          Namespaces: [
            {
              Name: 'sbemulatorns',
              Queues: [],
              Topics: [
                {
                  Name: 'events',
                  Properties: { RequiresDuplicateDetection: true, DuplicateDetectionHistoryTimeWindow: 'PT10M' },
                  Subscriptions: [subscription('orders-only', ['orders']), subscription('everything')],
                },
              ],
            },
          ],
          Logging: { Type: 'Console' },
        },
      },
    });
    limitedClient = new ServiceBusClient(limited.connectionString, {
      retryOptions: { maxRetries: 1, retryDelayInMs: 100, timeoutInMs: 10_000 },
    });
  });
  afterAll(async () => {
    await limitedClient?.close();
    await limited?.close();
  });

  it('takes live events and own replays of its sources only', async () => {
    const sender = limitedClient.createSender('events');
    await sender.sendMessages([live('o-1', 'orders'), live('c-1', 'customers')]);
    await sender.sendMessages([
      addressedTo(live('o-1', 'orders'), 'orders-only', 'repair', replayMessageId('repair', 'orders-only', 'o-1')),
      addressedTo(live('c-1', 'customers'), 'orders-only', 'repair', replayMessageId('repair', 'orders-only', 'c-1')),
    ]);
    await sender.close();
    const ids: Record<string, string[]> = {};
    for (const name of ['orders-only', 'everything']) {
      const receiver = limitedClient.createReceiver('events', name);
      ids[name] = (await receiver.peekMessages(10)).map((message) => String(message.messageId)).sort();
      await receiver.close();
    }
    expect(ids).toEqual({
      'orders-only': ['o-1', replayMessageId('repair', 'orders-only', 'o-1')].sort(),
      everything: ['c-1', 'o-1'],
    });
  });
});
