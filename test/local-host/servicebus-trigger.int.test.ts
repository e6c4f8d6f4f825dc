/**
 * The local host's Service Bus trigger against the local stack's broker: session subscriptions with the SDK binding
 * (complete, dead-letter with reason, abandon on throw), and plain bodies with autoComplete on a subscription and a queue.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ServiceBusClient, type ServiceBusReceivedMessage } from '@azure/service-bus';
import { startLocalStack, type LocalStack } from '../../local-stack/stack.js';
import { startLocalHost, type LocalHost } from '../../local-host/index.js';
import type { ServiceBusMessageContext } from '../../local-host/servicebus/settlement.js';
import { recorder, waitFor } from '../fixtures/local-host/recorder.js';
import { captureLog, fixture } from './helpers.js';

let stack: LocalStack;
let client: ServiceBusClient;
let host: LocalHost;
const log = captureLog();

beforeAll(async () => {
  stack = await startLocalStack({ serviceBusConfig: fixture('servicebus.config.json') });
  client = new ServiceBusClient(stack.settings.SERVICEBUS_CONNECTION_STRING);
  host = await startLocalHost({
    files: [fixture('servicebus-sessions.ts'), fixture('servicebus-plain.ts')],
    settings: { LH_SERVICEBUS: stack.settings.SERVICEBUS_CONNECTION_STRING },
    hostJson: {
      version: '2.0',
      extensions: { serviceBus: { maxConcurrentSessions: 4, sessionIdleTimeout: '00:00:00.300' } },
    },
    log: log.sink,
  });
});

afterAll(async () => {
  await host?.close();
  await client?.close();
  await stack?.close();
});

beforeEach(() => recorder.reset());

const counts = (subscription: string) => stack.serviceBus.counts.subscription('lh-events', subscription);
const sessionMessages = (): ServiceBusReceivedMessage[] =>
  recorder.calls('sbSessions').flatMap((call) => (call.input as ServiceBusMessageContext).messages);
const instruction = (message: ServiceBusReceivedMessage): { id: string } =>
  JSON.parse(Buffer.from(message.body as Buffer).toString('utf8')) as { id: string };

describe('serviceBusTrigger on the local host', () => {
  it('hands session batches with settlement actions: complete, dead-letter with a reason, abandon on throw', async () => {
    expect(host.functions.map((f) => f.trigger)).toEqual([
      'serviceBusTrigger',
      'serviceBusTrigger',
      'serviceBusTrigger',
    ]);
    const sender = client.createSender('lh-events');
    const send = (sessionId: string, id: string, action: string) =>
      sender.sendMessages({
        body: Buffer.from(JSON.stringify({ id, action })),
        sessionId,
        subject: 'sessions',
        messageId: id,
        contentType: 'application/json',
      });
    await send('s1', 'a1', 'complete');
    await send('s1', 'a2', 'complete');
    await send('s2', 'b1', 'deadletter');
    await send('s3', 'c1', 'flaky');
    await sender.close();

    await waitFor('everything settled', () => {
      const subscription = counts('sessions');
      return (
        subscription?.activeMessageCount === 0 &&
        subscription.deadLetterMessageCount === 1 &&
        sessionMessages().length >= 6
      );
    });
    const calls = recorder.calls('sbSessions');
    // One session per invocation, in order within the session.
    for (const call of calls) {
      const { messages } = call.input as ServiceBusMessageContext;
      expect(new Set(messages.map((message) => message.sessionId)).size).toBe(1);
      expect(call.triggerMetadata?.['sessionIdArray']).toEqual(messages.map((message) => message.sessionId));
      expect(call.triggerMetadata?.['messageIdArray']).toEqual(messages.map((message) => message.messageId));
    }
    const s1 = sessionMessages()
      .filter((message) => message.sessionId === 's1')
      .map((message) => instruction(message).id);
    expect(s1).toEqual(['a1', 'a2']);
    // The flaky message was abandoned twice by the host and came back each time with a higher delivery count (the JS
    // SDK's count of earlier deliveries; trigger metadata says one more, as the .NET-based host does).
    const flaky = recorder
      .calls('sbSessions')
      .filter((call) => (call.input as ServiceBusMessageContext).messages[0]?.sessionId === 's3');
    expect(flaky.map((call) => (call.input as ServiceBusMessageContext).messages[0]?.deliveryCount)).toEqual([0, 1, 2]);
    expect(flaky.map((call) => call.triggerMetadata?.['deliveryCountArray'])).toEqual([[1], [2], [3]]);
    expect(log.events('invocation.failed').filter((line) => line['functionName'] === 'sbSessions')).toHaveLength(2);

    const deadLetters = client.createReceiver('lh-events', 'sessions', { subQueueType: 'deadLetter' });
    const [dead] = await deadLetters.receiveMessages(1, { maxWaitTimeInMs: 2000 });
    await deadLetters.close();
    expect(dead?.messageId).toBe('b1');
    expect(dead?.deadLetterReason).toBe('BadEvent');
    expect(dead?.deadLetterErrorDescription).toBe('cannot apply b1');
  });

  it('passes bodies and batch metadata without the SDK binding and completes them on success', async () => {
    const sender = client.createSender('lh-events');
    await sender.sendMessages([
      { body: { n: 1 }, subject: 'plain', messageId: 'p1', applicationProperties: { Kind: 'order' } },
      { body: { n: 2 }, subject: 'plain', messageId: 'p2', applicationProperties: { Kind: 'order' } },
    ]);
    await sender.close();
    await waitFor(
      'both bodies',
      () => recorder.calls('sbPlainBatch').flatMap((call) => call.input as unknown[]).length >= 2,
    );
    await waitFor('the subscription to be empty', () => counts('plain')?.activeMessageCount === 0);
    const [call] = recorder.calls('sbPlainBatch');
    expect(call?.input).toEqual([{ n: 1 }, { n: 2 }]);
    expect(call?.triggerMetadata).toMatchObject({
      messageIdArray: ['p1', 'p2'],
      deliveryCountArray: [1, 1],
      subjectArray: ['plain', 'plain'],
      // The worker camel-cases nested keys too.
      applicationPropertiesArray: [{ kind: 'order' }, { kind: 'order' }],
    });
  });

  it('abandons a failed single message on a queue and completes it when it succeeds later', async () => {
    recorder.setFailing('sbPlainSingle', true);
    const sender = client.createSender('lh-queue');
    await sender.sendMessages({ body: 'hello', messageId: 'q1' });
    await sender.close();
    await waitFor('two failed deliveries', () => recorder.calls('sbPlainSingle').length >= 2);
    recorder.setFailing('sbPlainSingle', false);
    await waitFor('a successful delivery', () => recorder.calls('sbPlainSingle').some((call) => !call.failed));
    await waitFor('the queue to be empty', () => stack.serviceBus.counts.queue('lh-queue')?.activeMessageCount === 0);
    const calls = recorder.calls('sbPlainSingle');
    expect(calls.map((c) => c.input)).toEqual(calls.map(() => 'hello'));
    expect(calls.map((c) => c.triggerMetadata?.['deliveryCount'])).toEqual(calls.map((_, index) => index + 1));
    expect(calls[0]?.triggerMetadata).toMatchObject({
      messageId: 'q1',
      sequenceNumber: expect.any(Number),
      lockToken: expect.any(String),
    });
  });
});
