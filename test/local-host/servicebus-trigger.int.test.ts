/**
 * The local host's Service Bus trigger against the local stack's broker, bound the ways the Functions host binds a
 * Node.js function: session batches as bytes (`dataType: 'binary'`, the app's subscribers), plain batches as JSON
 * values, single messages as text; completed when the function returns, abandoned as a whole when it throws, and
 * dead-lettered by the entity after MaxDeliveryCount.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ServiceBusClient } from '@azure/service-bus';
import { startLocalStack, type LocalStack } from '../../local-stack/stack.js';
import { startLocalHost, type LocalHost } from '../../local-host/index.js';
import { recorder, waitFor, type Call } from '../fixtures/local-host/recorder.js';
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
const metadataOf = (call: Call, key: string): unknown[] => (call.triggerMetadata?.[key] ?? []) as unknown[];
const sessionCalls = (sessionId: string): Call[] =>
  recorder.calls('sbSessions').filter((call) => metadataOf(call, 'sessionIdArray')[0] === sessionId);

describe('serviceBusTrigger on the local host', () => {
  it('hands session batches over as bytes, completes them on return and abandons the whole batch on a throw', async () => {
    expect(host.functions.map((f) => f.trigger)).toEqual([
      'serviceBusTrigger',
      'serviceBusTrigger',
      'serviceBusTrigger',
    ]);
    const sender = client.createSender('lh-events');
    const send = (sessionId: string, id: string, body: Buffer) =>
      sender.sendMessages({ body, sessionId, subject: 'sessions', messageId: id });
    const json = (value: unknown) => Buffer.from(JSON.stringify(value));
    const raw = Buffer.from([0xff, 0x00, 0xfe, 0x22]);
    await send('s1', 'a1', json({ id: 'a1' }));
    await send('s1', 'a2', raw);
    await send('s1', 'a3', Buffer.alloc(0));
    await send('s2', 'b1', json({ id: 'b1', action: 'always-fails' }));
    await send('s3', 'c1', json({ id: 'c1', action: 'flaky' }));
    await sender.close();

    await waitFor('everything settled', () => {
      const subscription = counts('sessions');
      return subscription?.activeMessageCount === 0 && subscription.deadLetterMessageCount === 1;
    });
    // One session per invocation, in order within the session; bodies byte for byte, the empty one included.
    for (const call of recorder.calls('sbSessions')) {
      expect(new Set(metadataOf(call, 'sessionIdArray')).size).toBe(1);
      expect(metadataOf(call, 'messageIdArray')).toHaveLength((call.input as Buffer[]).length);
    }
    const [s1] = sessionCalls('s1');
    expect(metadataOf(s1 as Call, 'messageIdArray')).toEqual(['a1', 'a2', 'a3']);
    const bodies = s1?.input as Buffer[];
    expect(bodies.every((body) => Buffer.isBuffer(body))).toBe(true);
    expect(bodies.map((body) => body.toString('hex'))).toEqual(
      [json({ id: 'a1' }), raw, Buffer.alloc(0)].map((b) => b.toString('hex')),
    );

    // The flaky message was abandoned by the host and came back with a higher delivery count, 1 the first time.
    expect(sessionCalls('s3').map((call) => metadataOf(call, 'deliveryCountArray'))).toEqual([[1], [2], [3]]);
    // The one that always fails was delivered MaxDeliveryCount (3) times, then dead-lettered by the entity.
    expect(sessionCalls('s2').map((call) => metadataOf(call, 'deliveryCountArray'))).toEqual([[1], [2], [3]]);
    expect(log.events('invocation.failed').filter((line) => line['functionName'] === 'sbSessions')).toHaveLength(5);
    const deadLetters = client.createReceiver('lh-events', 'sessions', { subQueueType: 'deadLetter' });
    const [dead] = await deadLetters.receiveMessages(1, { maxWaitTimeInMs: 2000 });
    await deadLetters.completeMessage(dead!);
    await deadLetters.close();
    expect(dead?.messageId).toBe('b1');
    expect(dead?.deadLetterReason).toBe('MaxDeliveryCountExceeded');
  });

  it('passes a batch without dataType as JSON values, with the batch metadata, and completes it', async () => {
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
      labelArray: ['plain', 'plain'],
      // The worker camel-cases nested keys too.
      applicationPropertiesArray: [{ kind: 'order' }, { kind: 'order' }],
      // Strings that are null or empty are dropped from the arrays the host sends as collection strings.
      correlationIdArray: [],
      sessionIdArray: [],
      // long[] travels as sint64, which the worker's protobuf decoder turns into Long objects.
      sequenceNumberArray: [expect.objectContaining({ low: expect.any(Number), high: 0 }), expect.any(Object)],
      messageActions: {},
      receiveActions: {},
      client: { fullyQualifiedNamespace: expect.any(String), isClosed: false },
    });
    // .NET's EnqueuedTimeUtc (no zone) and EnqueuedTime (an offset), as Newtonsoft writes them.
    const utc = call?.triggerMetadata?.['enqueuedTimeUtcArray'] as string[];
    const offset = call?.triggerMetadata?.['enqueuedTimeArray'] as string[];
    expect(utc[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d*[1-9])?$/);
    expect(offset[0]).toBe(`${utc[0]}+00:00`);
  });

  it('fails the binding of a batch without dataType when a body is not JSON: the function never sees it', async () => {
    const sender = client.createSender('lh-events');
    await sender.sendMessages({ body: Buffer.from('not json'), subject: 'plain', messageId: 'nj' });
    await sender.close();
    await waitFor('a binding failure', () =>
      log
        .events('invocation.failed')
        .some((line) => line['functionName'] === 'sbPlainBatch' && line['stage'] === 'binding'),
    );
    expect(recorder.calls('sbPlainBatch')).toEqual([]);
    // Abandoned each time, so the entity dead-letters it after MaxDeliveryCount (2 here).
    await waitFor('the dead-letter', () => counts('plain')?.deadLetterMessageCount === 1, 30_000);
    const deadLetters = client.createReceiver('lh-events', 'plain', { subQueueType: 'deadLetter' });
    const [dead] = await deadLetters.receiveMessages(1, { maxWaitTimeInMs: 2000 });
    await deadLetters.completeMessage(dead!);
    await deadLetters.close();
    expect(dead?.messageId).toBe('nj');
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

  it('adds the top-level properties of a single JSON object body to the trigger metadata, as the host does', async () => {
    const sender = client.createSender('lh-queue');
    await sender.sendMessages({
      body: { messageId: 'from-body', flag: true, nested: { a: 1 }, list: [1] },
      messageId: 'q2',
    });
    await sender.close();
    await waitFor('the delivery', () => recorder.calls('sbPlainSingle').length >= 1);
    const [call] = recorder.calls('sbPlainSingle');
    expect(call?.input).toEqual({ messageId: 'from-body', flag: true, nested: { a: 1 }, list: [1] });
    // A body property replaces the binding data key of the same name; booleans become .NET's "True"; arrays are skipped.
    expect(call?.triggerMetadata).toMatchObject({ messageId: 'from-body', flag: 'True', nested: { a: 1 } });
    expect(call?.triggerMetadata).not.toHaveProperty('list');
  });
});
