/**
 * The local Service Bus broker's queues, driven only through the real `@azure/service-bus` SDK.
 */
import Long from 'long';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  delay,
  receiveCount,
  serviceBusErrorFrom,
  problems,
  startTestBroker,
  type TestBroker,
} from './support/servicebus-test-broker.js';

const lockSeconds = 30;
let bus: TestBroker;

beforeAll(async () => {
  bus = await startTestBroker({
    queues: [
      { Name: 'basic', Properties: { LockDuration: `PT${lockSeconds}S`, MaxDeliveryCount: 10 } },
      { Name: 'batches' },
      { Name: 'abandon', Properties: { MaxDeliveryCount: 10 } },
      { Name: 'dead-letter' },
      // Shorter than Azure's 5 s minimum: the local broker accepts it so expiry tests take a second.
      { Name: 'short-lock', Properties: { LockDuration: 'PT1S', MaxDeliveryCount: 10 } },
      { Name: 'two-deliveries', Properties: { MaxDeliveryCount: 2 } },
      { Name: 'renew', Properties: { LockDuration: 'PT5S' } },
      { Name: 'peek' },
      { Name: 'defer' },
      { Name: 'receive-and-delete' },
      {
        Name: 'dedupe',
        Properties: { RequiresDuplicateDetection: true, DuplicateDetectionHistoryTimeWindow: 'PT30S' },
      },
      { Name: 'sizes' },
      { Name: 'counts' },
      { Name: 'scheduled' },
      { Name: 'streaming' },
      { Name: 'expiring', Properties: { DeadLetteringOnMessageExpiration: true } },
      { Name: 'late-settle' },
    ],
  });
});

afterAll(async () => {
  await bus?.close();
  expect(problems(bus)).toEqual([]);
});

describe('send, receive, complete', () => {
  it('delivers a message with the system properties Service Bus sets', async () => {
    const sender = bus.client.createSender('basic');
    const receiver = bus.client.createReceiver('basic');
    const before = Date.now();
    await sender.sendMessages({
      body: { hello: 'world' },
      messageId: 'first',
      subject: 'greeting',
      contentType: 'application/json',
      correlationId: 'corr-1',
      to: 'someone',
      replyTo: 'basic',
      applicationProperties: { tenant: 'contoso', attempt: 3, urgent: true },
    });
    const [message] = await receiveCount(receiver, 1);
    expect(message).toBeDefined();
    if (message === undefined) return;
    expect(message.body).toEqual({ hello: 'world' });
    expect(message).toMatchObject({
      messageId: 'first',
      subject: 'greeting',
      contentType: 'application/json',
      correlationId: 'corr-1',
      to: 'someone',
      replyTo: 'basic',
      applicationProperties: { tenant: 'contoso', attempt: 3, urgent: true },
      deliveryCount: 0,
      state: 'active',
    });
    expect(Long.isLong(message.sequenceNumber)).toBe(true);
    expect(message.sequenceNumber?.toNumber()).toBe(1);
    expect(message.lockToken).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    expect(message.enqueuedTimeUtc?.getTime()).toBeGreaterThanOrEqual(before - 5);
    const lockedFor = (message.lockedUntilUtc?.getTime() ?? 0) - Date.now();
    expect(lockedFor).toBeGreaterThan((lockSeconds - 5) * 1000);
    expect(lockedFor).toBeLessThanOrEqual(lockSeconds * 1000);
    await receiver.completeMessage(message);
    expect(await receiver.peekMessages(10)).toEqual([]);
    expect(bus.broker.counts.queue('basic')?.activeMessageCount).toBe(0);
    await receiver.close();
    await sender.close();
  });

  it('gives messages sent without an id one, as Service Bus does', async () => {
    const sender = bus.client.createSender('basic');
    const receiver = bus.client.createReceiver('basic', { receiveMode: 'receiveAndDelete' });
    await sender.sendMessages({ body: 'no id' });
    const [message] = await receiveCount(receiver, 1);
    expect(message?.messageId).toMatch(/^[0-9a-f]{32}$/);
    await receiver.close();
    await sender.close();
  });

  it('splits a batch of hundreds of messages and delivers them in order', async () => {
    const sender = bus.client.createSender('batches');
    const receiver = bus.client.createReceiver('batches');
    const batch = await sender.createMessageBatch();
    for (let index = 0; index < 500; index++) {
      expect(batch.tryAddMessage({ body: { index }, applicationProperties: { index } })).toBe(true);
    }
    await sender.sendMessages(batch);
    const received = await receiveCount(receiver, 500);
    expect(received.map((message) => (message.body as { index: number }).index)).toEqual([...Array(500).keys()]);
    const sequenceNumbers = received.map((message) => message.sequenceNumber?.toNumber() ?? 0);
    expect(sequenceNumbers).toEqual([...sequenceNumbers].sort((a, b) => a - b));
    expect(new Set(received.map((message) => message.lockToken)).size).toBe(500);
    await Promise.all(received.map((message) => receiver.completeMessage(message)));
    expect(bus.broker.counts.queue('batches')?.totalMessageCount).toBe(0);
    await receiver.close();
    await sender.close();
  });
});

describe('settlement', () => {
  it('redelivers an abandoned message with its delivery count raised', async () => {
    const sender = bus.client.createSender('abandon');
    const receiver = bus.client.createReceiver('abandon');
    await sender.sendMessages({ body: 'again', messageId: 'abandon-me' });
    const [first] = await receiveCount(receiver, 1);
    if (first === undefined) throw new Error('no message');
    await receiver.abandonMessage(first, { reason: 'retry later' });
    const [second] = await receiveCount(receiver, 1);
    expect(second?.messageId).toBe('abandon-me');
    expect(second?.deliveryCount).toBe(1);
    expect(second?.lockToken).not.toBe(first.lockToken);
    expect(second?.applicationProperties).toEqual({ reason: 'retry later' });
    if (second !== undefined) await receiver.completeMessage(second);
    await receiver.close();
    await sender.close();
  });

  it('dead-letters with the reason and description, readable from the dead-letter queue', async () => {
    const sender = bus.client.createSender('dead-letter');
    const receiver = bus.client.createReceiver('dead-letter');
    const deadLetters = bus.client.createReceiver('dead-letter', { subQueueType: 'deadLetter' });
    await sender.sendMessages({ body: 'poison', messageId: 'poison-1', applicationProperties: { kept: 'yes' } });
    const [message] = await receiveCount(receiver, 1);
    if (message === undefined) throw new Error('no message');
    await receiver.deadLetterMessage(message, {
      deadLetterReason: 'BadPayload',
      deadLetterErrorDescription: 'the payload is not JSON',
    });
    expect(bus.broker.counts.queue('dead-letter')).toMatchObject({
      activeMessageCount: 0,
      deadLetterMessageCount: 1,
      totalMessageCount: 1,
    });
    const [dead] = await receiveCount(deadLetters, 1);
    expect(dead).toMatchObject({
      messageId: 'poison-1',
      body: 'poison',
      deadLetterReason: 'BadPayload',
      deadLetterErrorDescription: 'the payload is not JSON',
      applicationProperties: {
        kept: 'yes',
        DeadLetterReason: 'BadPayload',
        DeadLetterErrorDescription: 'the payload is not JSON',
      },
    });
    if (dead !== undefined) await deadLetters.completeMessage(dead);
    expect(bus.broker.counts.queue('dead-letter')?.deadLetterMessageCount).toBe(0);
    await deadLetters.close();
    await receiver.close();
    await sender.close();
  });

  it('redelivers after the lock expires, and refuses the stale lock with MessageLockLost', async () => {
    const sender = bus.client.createSender('short-lock');
    // The SDK renews locks on its own by default; a consumer that lets a lock lapse has that switched off.
    const receiver = bus.client.createReceiver('short-lock', { maxAutoLockRenewalDurationInMs: 0 });
    await sender.sendMessages({ body: 'slow consumer', messageId: 'slow' });
    const [first] = await receiveCount(receiver, 1);
    if (first === undefined) throw new Error('no message');
    await delay(1_300); // elapsed: past the 1 s lock duration, so the lock expires
    const [second] = await receiveCount(receiver, 1);
    expect(second?.messageId).toBe('slow');
    expect(second?.deliveryCount).toBe(1);
    expect((await serviceBusErrorFrom(() => receiver.completeMessage(first))).code).toBe('MessageLockLost');
    if (second !== undefined) await receiver.completeMessage(second);
    await receiver.close();
    await sender.close();
  });

  it('moves a message to the dead-letter queue after MaxDeliveryCount deliveries', async () => {
    const sender = bus.client.createSender('two-deliveries');
    const receiver = bus.client.createReceiver('two-deliveries');
    const deadLetters = bus.client.createReceiver('two-deliveries', { subQueueType: 'deadLetter' });
    await sender.sendMessages({ body: 'never works', messageId: 'doomed' });
    for (let attempt = 0; attempt < 2; attempt++) {
      const [message] = await receiveCount(receiver, 1);
      expect(message?.deliveryCount).toBe(attempt);
      if (message !== undefined) await receiver.abandonMessage(message);
    }
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 300 })).toEqual([]);
    const [dead] = await receiveCount(deadLetters, 1);
    expect(dead).toMatchObject({ messageId: 'doomed', deadLetterReason: 'MaxDeliveryCountExceeded' });
    expect(dead?.deadLetterErrorDescription).toMatch(/2 delivery attempts/);
    if (dead !== undefined) await deadLetters.completeMessage(dead);
    await deadLetters.close();
    await receiver.close();
    await sender.close();
  });

  it('renews a message lock, and reports MessageLockLost once the message is settled', async () => {
    const sender = bus.client.createSender('renew');
    const receiver = bus.client.createReceiver('renew');
    await sender.sendMessages({ body: 'long job' });
    const [message] = await receiveCount(receiver, 1);
    if (message === undefined) throw new Error('no message');
    const firstLock = message.lockedUntilUtc?.getTime() ?? 0;
    await delay(50); // elapsed: so the renewed lock ends measurably later than the first
    const renewed = await receiver.renewMessageLock(message);
    expect(renewed.getTime()).toBeGreaterThan(firstLock);
    expect(message.lockedUntilUtc?.getTime()).toBe(renewed.getTime());
    await receiver.completeMessage(message);
    expect((await serviceBusErrorFrom(() => receiver.renewMessageLock(message))).code).toBe('MessageLockLost');
    await receiver.close();
    await sender.close();
  });

  it('settles through $management when the receiving link is gone', async () => {
    const sender = bus.client.createSender('late-settle');
    const first = bus.client.createReceiver('late-settle');
    await sender.sendMessages({ body: 'settle me later' });
    const [message] = await receiveCount(first, 1);
    if (message === undefined) throw new Error('no message');
    await first.close();
    const second = bus.client.createReceiver('late-settle');
    await second.completeMessage(message);
    expect(bus.broker.counts.queue('late-settle')?.totalMessageCount).toBe(0);
    await second.close();
    await sender.close();
  });
});

describe('peek, defer, receive-and-delete, subscribe', () => {
  it('peeks without locking, from a sequence number on', async () => {
    const sender = bus.client.createSender('peek');
    const receiver = bus.client.createReceiver('peek');
    await sender.sendMessages([1, 2, 3, 4].map((value) => ({ body: value })));
    const peeked = await receiver.peekMessages(10);
    expect(peeked.map((message) => message.body)).toEqual([1, 2, 3, 4]);
    expect(peeked[0]?.lockToken).toBeUndefined();
    const fromThird = await receiver.peekMessages(10, { fromSequenceNumber: Long.fromNumber(3) });
    expect(fromThird.map((message) => message.sequenceNumber?.toNumber())).toEqual([3, 4]);
    const received = await receiveCount(receiver, 4);
    expect(received).toHaveLength(4);
    await Promise.all(received.map((message) => receiver.completeMessage(message)));
    expect(await receiver.peekMessages(10, { fromSequenceNumber: Long.fromNumber(1) })).toEqual([]);
    await receiver.close();
    await sender.close();
  });

  it('defers a message and hands it out again only by sequence number', async () => {
    const sender = bus.client.createSender('defer');
    const receiver = bus.client.createReceiver('defer');
    await sender.sendMessages({ body: 'later', messageId: 'deferred-1' });
    const [message] = await receiveCount(receiver, 1);
    if (message?.sequenceNumber === undefined) throw new Error('no message');
    await receiver.deferMessage(message);
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 300 })).toEqual([]);
    const [peeked] = await receiver.peekMessages(1, { fromSequenceNumber: message.sequenceNumber });
    expect(peeked?.state).toBe('deferred');
    const [deferred] = await receiver.receiveDeferredMessages(message.sequenceNumber);
    expect(deferred).toMatchObject({ messageId: 'deferred-1', body: 'later', deliveryCount: 1, state: 'deferred' });
    expect(deferred?.lockToken).toBeDefined();
    if (deferred !== undefined) await receiver.completeMessage(deferred);
    expect(bus.broker.counts.queue('defer')?.totalMessageCount).toBe(0);
    expect(
      (await serviceBusErrorFrom(() => receiver.receiveDeferredMessages(message.sequenceNumber as Long))).code,
    ).toBe('MessageNotFound');
    await receiver.close();
    await sender.close();
  });

  it('removes messages on delivery in receive-and-delete mode', async () => {
    const sender = bus.client.createSender('receive-and-delete');
    const receiver = bus.client.createReceiver('receive-and-delete', { receiveMode: 'receiveAndDelete' });
    await sender.sendMessages([{ body: 'a' }, { body: 'b' }]);
    const received = await receiveCount(receiver, 2);
    expect(received.map((message) => message.body)).toEqual(['a', 'b']);
    expect(received[0]?.lockToken).toBeUndefined();
    expect(bus.broker.counts.queue('receive-and-delete')?.totalMessageCount).toBe(0);
    await receiver.close();
    await sender.close();
  });

  it('feeds subscribe() handlers and completes automatically', async () => {
    const sender = bus.client.createSender('streaming');
    const receiver = bus.client.createReceiver('streaming');
    const bodies: unknown[] = [];
    const done = new Promise<void>((resolve, reject) => {
      receiver.subscribe(
        {
          processMessage: async (message) => {
            bodies.push(message.body);
            if (bodies.length === 20) resolve();
          },
          processError: async (args) => reject(args.error),
        },
        { maxConcurrentCalls: 4 },
      );
    });
    await sender.sendMessages([...Array(20).keys()].map((index) => ({ body: index })));
    await done;
    await receiver.close();
    expect([...bodies].sort((a, b) => Number(a) - Number(b))).toEqual([...Array(20).keys()]);
    // Completions travel after the handler returned: wait for the broker to have them all.
    await vi.waitFor(() => expect(bus.broker.counts.queue('streaming')?.totalMessageCount).toBe(0));
    await sender.close();
  });
});

describe('entity features', () => {
  it('drops a duplicate message id within the detection window, accepting the send', async () => {
    const sender = bus.client.createSender('dedupe');
    const receiver = bus.client.createReceiver('dedupe', { receiveMode: 'receiveAndDelete' });
    await sender.sendMessages({ body: 'original', messageId: 'order-42' });
    await sender.sendMessages({ body: 'retry', messageId: 'order-42' });
    await sender.sendMessages({ body: 'other', messageId: 'order-43' });
    const received = await receiveCount(receiver, 2);
    expect(received.map((message) => message.body)).toEqual(['original', 'other']);
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 200 })).toEqual([]);
    await receiver.close();
    await sender.close();
  });

  it('refuses a message over the size limit and negotiates the limit for batches', async () => {
    const sender = bus.client.createSender('sizes');
    const oversized = { body: Buffer.alloc(300 * 1024, 1) };
    expect((await serviceBusErrorFrom(() => sender.sendMessages(oversized))).code).toBe('MessageSizeExceeded');
    const batch = await sender.createMessageBatch();
    expect(batch.maxSizeInBytes).toBe(256 * 1024);
    expect(batch.tryAddMessage({ body: Buffer.alloc(200 * 1024, 2) })).toBe(true);
    expect(batch.tryAddMessage({ body: Buffer.alloc(60 * 1024, 3) })).toBe(false);
    expect(batch.tryAddMessage({ body: Buffer.alloc(10 * 1024, 4) })).toBe(true);
    await sender.sendMessages(batch);
    expect(bus.broker.counts.queue('sizes')?.activeMessageCount).toBe(2);
    await sender.close();
  });

  it('reports runtime counts for active, dead-lettered and scheduled messages', async () => {
    const sender = bus.client.createSender('counts');
    const receiver = bus.client.createReceiver('counts');
    await sender.sendMessages([{ body: 'a' }, { body: 'b' }, { body: 'c' }]);
    await sender.scheduleMessages({ body: 'future' }, new Date(Date.now() + 60_000));
    const [first] = await receiveCount(receiver, 1);
    if (first !== undefined) await receiver.deadLetterMessage(first);
    const counts = bus.broker.counts.queue('COUNTS'); // names are case-insensitive
    expect(counts).toMatchObject({
      activeMessageCount: 2,
      deadLetterMessageCount: 1,
      scheduledMessageCount: 1,
      totalMessageCount: 4,
      transferMessageCount: 0,
    });
    expect(counts?.sizeInBytes).toBeGreaterThan(0);
    expect(bus.broker.counts.queueNames()).toContain('counts');
    expect(bus.broker.counts.queueProperties('counts')).toMatchObject({ lockDurationMs: 60_000, maxDeliveryCount: 3 });
    await receiver.close();
    await sender.close();
  });

  it('schedules messages, counts them until due, and cancels them', async () => {
    const sender = bus.client.createSender('scheduled');
    const receiver = bus.client.createReceiver('scheduled');
    const [cancelled] = await sender.scheduleMessages({ body: 'never' }, new Date(Date.now() + 60_000));
    const [due] = await sender.scheduleMessages({ body: 'soon' }, new Date(Date.now() + 800));
    expect(bus.broker.counts.queue('scheduled')?.scheduledMessageCount).toBe(2);
    const [peeked] = await receiver.peekMessages(1);
    expect(peeked?.state).toBe('scheduled');
    if (cancelled !== undefined) await sender.cancelScheduledMessages(cancelled);
    expect(bus.broker.counts.queue('scheduled')?.scheduledMessageCount).toBe(1);
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 100 })).toEqual([]);
    const [message] = await receiveCount(receiver, 1, 3_000);
    expect(message?.body).toBe('soon');
    expect(message?.sequenceNumber?.toNumber()).toBe(due?.toNumber());
    expect(message?.scheduledEnqueueTimeUtc).toBeInstanceOf(Date);
    if (message !== undefined) await receiver.completeMessage(message);
    await receiver.close();
    await sender.close();
  });

  it('dead-letters expired messages when DeadLetteringOnMessageExpiration is set', async () => {
    const sender = bus.client.createSender('expiring');
    const receiver = bus.client.createReceiver('expiring');
    const deadLetters = bus.client.createReceiver('expiring', { subQueueType: 'deadLetter' });
    await sender.sendMessages({ body: 'stale soon', timeToLive: 300 });
    await delay(400); // elapsed: past the message's 300 ms time to live
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 200 })).toEqual([]);
    const [dead] = await receiveCount(deadLetters, 1);
    expect(dead).toMatchObject({ body: 'stale soon', deadLetterReason: 'TTLExpiredException' });
    await deadLetters.close();
    await receiver.close();
    await sender.close();
  });

  it('raises MessagingEntityNotFound for an unknown entity', async () => {
    expect((await serviceBusErrorFrom(() => bus.client.createSender('missing').sendMessages({ body: 1 }))).code).toBe(
      'MessagingEntityNotFound',
    );
    const receiver = bus.client.createReceiver('missing');
    expect((await serviceBusErrorFrom(() => receiver.receiveMessages(1, { maxWaitTimeInMs: 500 }))).code).toBe(
      'MessagingEntityNotFound',
    );
    await receiver.close();
  });
});
