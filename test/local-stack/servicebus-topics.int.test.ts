/**
 * Topics, subscriptions and their rules on the local Service Bus broker, through the real `@azure/service-bus` SDK.
 */
import type { ServiceBusMessage } from '@azure/service-bus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServiceBusBroker } from '../../local-stack/servicebus/index.js';
import { problems, receiveCount, startTestBroker, type TestBroker } from './support/servicebus-test-broker.js';

const sql = (name: string, expression: string) => ({
  Name: name,
  Properties: { FilterType: 'Sql', SqlFilter: { SqlExpression: expression } },
});
const correlation = (name: string, filter: Record<string, unknown>) => ({
  Name: name,
  Properties: { FilterType: 'Correlation', CorrelationFilter: filter },
});

let bus: TestBroker;

beforeAll(async () => {
  bus = await startTestBroker({
    queues: [
      { Name: 'forwarded' },
      { Name: 'forwarded-dead-letters' },
      { Name: 'relay', Properties: { ForwardTo: 'forwarding' } },
    ],
    topics: [
      {
        Name: 'events',
        Subscriptions: [
          { Name: 'everything' },
          { Name: 'eu-orders', Rules: [correlation('eu-orders', { Label: 'order', Properties: { region: 'eu' } })] },
          { Name: 'urgent-json', Rules: [sql('urgent-json', "priority > 5 AND sys.ContentType = 'application/json'")] },
          {
            Name: 'order-like',
            Rules: [sql('like-or-in', "sys.Label LIKE 'ord%' OR user.kind IN ('audit', 'alert')")],
          },
          // Both rules match the order message: it must arrive once.
          {
            Name: 'two-rules',
            Rules: [sql('by-label', "sys.Label = 'order'"), correlation('by-region', { Properties: { region: 'eu' } })],
          },
          { Name: 'nothing', Rules: [sql('never', '1=0')] },
          {
            Name: 'tenanted',
            Rules: [sql('tenant', "EXISTS(tenant) AND tenant IS NOT NULL AND NOT (tenant = 'internal')")],
          },
        ],
      },
      {
        Name: 'session-topic',
        Subscriptions: [{ Name: 'by-session', Properties: { RequiresSession: true } }, { Name: 'plain' }],
      },
      {
        Name: 'deduped-topic',
        Properties: { RequiresDuplicateDetection: true, DuplicateDetectionHistoryTimeWindow: 'PT1M' },
        Subscriptions: [{ Name: 'only' }],
      },
      {
        Name: 'forwarding',
        Subscriptions: [
          { Name: 'to-queue', Properties: { ForwardTo: 'forwarded' } },
          { Name: 'dead-letters-forwarded', Properties: { ForwardDeadLetteredMessagesTo: 'forwarded-dead-letters' } },
        ],
      },
    ],
  });
});

afterAll(async () => {
  await bus?.close();
  expect(problems(bus)).toEqual([]);
});

async function drain(subscription: string, expected: number): Promise<unknown[]> {
  const receiver = bus.client.createReceiver('events', subscription, { receiveMode: 'receiveAndDelete' });
  const messages = await receiveCount(receiver, expected, expected === 0 ? 300 : 3_000);
  await receiver.close();
  return messages.map((message) => (message.body as { id: string }).id);
}

describe('fan-out through subscription rules', () => {
  it('copies each message to every subscription whose rules match, once per subscription', async () => {
    const messages: ServiceBusMessage[] = [
      {
        body: { id: 'eu-order' },
        subject: 'order',
        applicationProperties: { region: 'eu', priority: 3, tenant: 'contoso' },
      },
      { body: { id: 'us-order' }, subject: 'order', applicationProperties: { region: 'us', priority: 9 } },
      {
        body: { id: 'urgent' },
        subject: 'ping',
        contentType: 'application/json',
        applicationProperties: { PRIORITY: 8, kind: 'alert', tenant: 'internal' },
      },
      { body: { id: 'plain' }, subject: 'noise', applicationProperties: { tenant: null } },
    ];
    const sender = bus.client.createSender('events');
    await sender.sendMessages(messages);
    expect(await drain('everything', 4)).toEqual(['eu-order', 'us-order', 'urgent', 'plain']);
    expect(await drain('eu-orders', 1)).toEqual(['eu-order']);
    // Property names are case-insensitive in SQL filters; us-order has priority 9 but no JSON content type.
    expect(await drain('urgent-json', 1)).toEqual(['urgent']);
    expect(await drain('order-like', 3)).toEqual(['eu-order', 'us-order', 'urgent']);
    expect(await drain('two-rules', 2)).toEqual(['eu-order', 'us-order']);
    expect(await drain('nothing', 0)).toEqual([]);
    expect(await drain('tenanted', 1)).toEqual(['eu-order']);
    await sender.close();
  });

  it('keeps subscription sequence numbers, counts and dead-letter queues apart', async () => {
    const sender = bus.client.createSender('events');
    await sender.sendMessages({
      body: { id: 'to-dead-letter' },
      subject: 'order',
      applicationProperties: { region: 'eu' },
    });
    const receiver = bus.client.createReceiver('events', 'eu-orders');
    const [message] = await receiveCount(receiver, 1);
    if (message === undefined) throw new Error('no message');
    await receiver.deadLetterMessage(message, { deadLetterReason: 'Rejected', deadLetterErrorDescription: 'by test' });
    expect(bus.broker.counts.subscription('events', 'eu-orders')).toMatchObject({
      activeMessageCount: 0,
      deadLetterMessageCount: 1,
    });
    expect(bus.broker.counts.subscription('events', 'everything')).toMatchObject({
      activeMessageCount: 1,
      deadLetterMessageCount: 0,
    });
    expect(bus.broker.counts.topic('events')?.subscriptionCount).toBe(7);
    expect(bus.broker.counts.subscriptionNames('events')).toContain('two-rules');
    const deadLetters = bus.client.createReceiver('events', 'eu-orders', { subQueueType: 'deadLetter' });
    const [dead] = await receiveCount(deadLetters, 1);
    expect(dead).toMatchObject({ deadLetterReason: 'Rejected', deadLetterErrorDescription: 'by test' });
    expect(dead?.sequenceNumber?.toNumber()).toBe(message.sequenceNumber?.toNumber());
    await deadLetters.close();
    await receiver.close();
    await drain('everything', 1);
    await sender.close();
  });
});

describe('topic features', () => {
  it('dead-letters topic messages without a session id in a session-enabled subscription', async () => {
    const sender = bus.client.createSender('session-topic');
    await sender.sendMessages([{ body: 'no session' }, { body: 'with session', sessionId: 'abc' }]);
    const sessionReceiver = await bus.client.acceptSession('session-topic', 'by-session', 'abc');
    const [withSession] = await receiveCount(sessionReceiver, 1);
    expect(withSession?.body).toBe('with session');
    if (withSession !== undefined) await sessionReceiver.completeMessage(withSession);
    await sessionReceiver.close();
    const deadLetters = bus.client.createReceiver('session-topic', 'by-session', { subQueueType: 'deadLetter' });
    const [dead] = await receiveCount(deadLetters, 1);
    expect(dead?.body).toBe('no session');
    expect(dead?.deadLetterErrorDescription).toMatch(/session identifier is null/);
    await deadLetters.close();
    expect(bus.broker.counts.subscription('session-topic', 'plain')?.activeMessageCount).toBe(2);
    await sender.close();
  });

  it('detects duplicates at the topic', async () => {
    const sender = bus.client.createSender('deduped-topic');
    await sender.sendMessages([
      { body: 1, messageId: 'same' },
      { body: 2, messageId: 'same' },
    ]);
    expect(bus.broker.counts.subscription('deduped-topic', 'only')?.activeMessageCount).toBe(1);
    await sender.close();
  });

  it('counts scheduled topic messages until they fan out', async () => {
    const sender = bus.client.createSender('deduped-topic');
    const [sequenceNumber] = await sender.scheduleMessages(
      { body: 'later', messageId: 'scheduled-1' },
      new Date(Date.now() + 60_000),
    );
    expect(bus.broker.counts.topic('deduped-topic')?.scheduledMessageCount).toBe(1);
    if (sequenceNumber !== undefined) await sender.cancelScheduledMessages(sequenceNumber);
    expect(bus.broker.counts.topic('deduped-topic')?.scheduledMessageCount).toBe(0);
    await sender.close();
  });

  it('auto-forwards subscription messages and dead-lettered messages', async () => {
    const sender = bus.client.createSender('forwarding');
    await sender.sendMessages({ body: 'travel', messageId: 'traveller' });
    const forwarded = bus.client.createReceiver('forwarded', { receiveMode: 'receiveAndDelete' });
    const [moved] = await receiveCount(forwarded, 1);
    expect(moved).toMatchObject({ body: 'travel', messageId: 'traveller' });
    const receiver = bus.client.createReceiver('forwarding', 'dead-letters-forwarded');
    const [message] = await receiveCount(receiver, 1);
    if (message !== undefined)
      await receiver.deadLetterMessage(message, { deadLetterReason: 'Nope', deadLetterErrorDescription: 'forward it' });
    const deadLetterTarget = bus.client.createReceiver('forwarded-dead-letters', { receiveMode: 'receiveAndDelete' });
    const [dead] = await receiveCount(deadLetterTarget, 1);
    expect(dead).toMatchObject({
      body: 'travel',
      deadLetterReason: 'Nope',
      deadLetterSource: 'forwarding/Subscriptions/dead-letters-forwarded',
    });
    await Promise.all([forwarded.close(), receiver.close(), deadLetterTarget.close(), sender.close()]);
  });

  it('auto-forwards from a queue to a topic', async () => {
    const sender = bus.client.createSender('relay');
    await sender.sendMessages({ body: 'hop', messageId: 'hopper' });
    expect(bus.broker.counts.queue('relay')?.totalMessageCount).toBe(0);
    const forwarded = bus.client.createReceiver('forwarded', { receiveMode: 'receiveAndDelete' });
    const [moved] = await receiveCount(forwarded, 1); // relay -> forwarding topic -> to-queue subscription -> forwarded
    expect(moved).toMatchObject({ body: 'hop', messageId: 'hopper' });
    const rest = bus.client.createReceiver('forwarding', 'dead-letters-forwarded', { receiveMode: 'receiveAndDelete' });
    expect((await receiveCount(rest, 1)).map((message) => message.body)).toEqual(['hop']);
    await Promise.all([forwarded.close(), rest.close(), sender.close()]);
  });
});

describe("the project's default entities file", () => {
  it('starts with servicebus.config.json and serves its topic', async () => {
    const broker = await startServiceBusBroker({ log: () => undefined });
    try {
      expect(broker.counts.namespaceName()).toBe('sbemulatorns');
      expect(broker.counts.topicNames()).toEqual(['cosmos-sync-events']);
      expect(broker.counts.subscriptionProperties('cosmos-sync-events', 'cosmos-target')).toMatchObject({
        requiresSession: false,
        lockDurationMs: 60_000,
        maxDeliveryCount: 10,
      });
      expect(broker.connectionString).toBe(
        `Endpoint=sb://127.0.0.1:${broker.port};SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true;`,
      );
    } finally {
      await broker.close();
    }
  });
});
