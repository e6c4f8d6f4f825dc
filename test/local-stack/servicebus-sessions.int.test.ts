/**
 * Sessions on the local Service Bus broker, through the real `@azure/service-bus` SDK.
 */
import { ServiceBusClient, type ServiceBusMessage } from '@azure/service-bus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  delay,
  receiveCount,
  serviceBusErrorFrom,
  problems,
  startTestBroker,
  untilLogged,
  type TestBroker,
} from './support/servicebus-test-broker.js';

let bus: TestBroker;
const sessionQueue = (name: string, properties: Record<string, unknown> = {}) => ({
  Name: name,
  Properties: { RequiresSession: true, ...properties },
});

beforeAll(async () => {
  bus = await startTestBroker({
    queues: [
      sessionQueue('ordered'),
      sessionQueue('next'),
      sessionQueue('exclusive'),
      sessionQueue('state'),
      // Shorter than Azure's 5 s minimum, so lock expiry is quick to test.
      sessionQueue('short-session-lock', { LockDuration: 'PT1S' }),
      sessionQueue('renew-session', { LockDuration: 'PT5S' }),
      sessionQueue('subscribe'),
      sessionQueue('deferred-session'),
      sessionQueue('empty'),
      { Name: 'plain' },
    ],
  });
});

afterAll(async () => {
  await bus?.close();
  expect(problems(bus)).toEqual([]);
});

describe('sending to a session-enabled queue', () => {
  it('refuses a message without a session id, as Service Bus does', async () => {
    const sender = bus.client.createSender('ordered');
    const error = await serviceBusErrorFrom(() => sender.sendMessages({ body: 'lost' }));
    expect(error.message).toMatch(/SessionId was not set on a message/);
    const batch = await sender.createMessageBatch();
    batch.tryAddMessage({ body: 'fine', sessionId: 's' });
    batch.tryAddMessage({ body: 'not fine' });
    expect((await serviceBusErrorFrom(() => sender.sendMessages(batch))).message).toMatch(/SessionId was not set/);
    expect(bus.broker.counts.queue('ordered')?.totalMessageCount).toBe(0); // nothing of the refused batch stayed
    await sender.close();
  });

  it('refuses plain receivers on a session entity and session receivers on a plain one', async () => {
    const plainReceiver = bus.client.createReceiver('ordered');
    await expect(plainReceiver.receiveMessages(1, { maxWaitTimeInMs: 500 })).rejects.toThrow(/requires sessions/);
    await plainReceiver.close();
    await expect(bus.client.acceptSession('plain', 'x')).rejects.toThrow();
  });
});

describe('session receivers', () => {
  it('delivers each session in order when sessions are interleaved', async () => {
    const sender = bus.client.createSender('ordered');
    const sessions = ['alpha', 'beta', 'gamma'];
    const messages: ServiceBusMessage[] = [];
    for (let index = 0; index < 30; index++) {
      const sessionId = sessions[index % 3] as string;
      messages.push({ body: { sessionId, index }, sessionId });
    }
    await sender.sendMessages(messages.slice(0, 12));
    await sender.sendMessages(messages.slice(12));
    for (const sessionId of sessions) {
      const receiver = await bus.client.acceptSession('ordered', sessionId);
      expect(receiver.sessionId).toBe(sessionId);
      const received = await receiveCount(receiver, 10);
      const bodies = received.map((message) => message.body as { sessionId: string; index: number });
      expect(bodies.every((body) => body.sessionId === sessionId)).toBe(true);
      expect(bodies.map((body) => body.index)).toEqual(bodies.map((body) => body.index).sort((a, b) => a - b));
      expect(received.every((message) => message.sessionId === sessionId)).toBe(true);
      await Promise.all(received.map((message) => receiver.completeMessage(message)));
      await receiver.close();
    }
    expect(bus.broker.counts.queue('ordered')?.totalMessageCount).toBe(0);
    await sender.close();
  });

  it('accepts the next available session, skipping locked and empty ones, and times out like Azure when none is left', async () => {
    const sender = bus.client.createSender('next');
    await sender.sendMessages([
      { body: 1, sessionId: 'first' },
      { body: 2, sessionId: 'second' },
    ]);
    const one = await bus.client.acceptNextSession('next');
    const two = await bus.client.acceptNextSession('next');
    expect([one.sessionId, two.sessionId].sort()).toEqual(['first', 'second']);
    expect(one.sessionLockedUntilUtc.getTime()).toBeGreaterThan(Date.now());
    const impatient = new ServiceBusClient(bus.broker.connectionString, {
      retryOptions: { maxRetries: 0, timeoutInMs: 1_000 },
    });
    const started = Date.now();
    const error = await serviceBusErrorFrom(() => impatient.acceptNextSession('next'));
    expect(error.code).toBe('ServiceTimeout');
    expect(Date.now() - started).toBeGreaterThanOrEqual(800);
    await impatient.close();
    await one.close();
    await two.close();
  });

  it('hands a waiting acceptNextSession the session a new message opens', async () => {
    const waiting = bus.client.acceptNextSession('empty');
    await untilLogged(bus, 'a next-session receiver waits for a session', { entity: 'empty' });
    await bus.client.createSender('empty').sendMessages({ body: 'wake up', sessionId: 'late' });
    const receiver = await waiting;
    expect(receiver.sessionId).toBe('late');
    const [message] = await receiveCount(receiver, 1);
    expect(message?.body).toBe('wake up');
    await receiver.close();
  });

  it('locks a session to one receiver at a time', async () => {
    await bus.client.createSender('exclusive').sendMessages({ body: 'mine', sessionId: 'only' });
    const holder = await bus.client.acceptSession('exclusive', 'only');
    expect((await serviceBusErrorFrom(() => bus.client.acceptSession('exclusive', 'only'))).code).toBe(
      'SessionCannotBeLocked',
    );
    await holder.close();
    const next = await bus.client.acceptSession('exclusive', 'only');
    const [message] = await receiveCount(next, 1);
    expect(message?.body).toBe('mine');
    await next.close();
  });

  it('keeps session state across receivers', async () => {
    await bus.client.createSender('state').sendMessages({ body: 'step 1', sessionId: 'workflow' });
    const first = await bus.client.acceptSession('state', 'workflow');
    expect(await first.getSessionState()).toBeNull(); // as from Service Bus: no state yet
    await first.setSessionState({ step: 2, done: ['step 1'] });
    expect(await first.getSessionState()).toEqual({ step: 2, done: ['step 1'] });
    await first.close();
    const second = await bus.client.acceptSession('state', 'workflow');
    expect(await second.getSessionState()).toEqual({ step: 2, done: ['step 1'] });
    await second.close();
  });

  it('renews the session lock', async () => {
    await bus.client.createSender('renew-session').sendMessages({ body: 'x', sessionId: 's' });
    const receiver = await bus.client.acceptSession('renew-session', 's', { maxAutoLockRenewalDurationInMs: 0 });
    const before = receiver.sessionLockedUntilUtc.getTime();
    await delay(50); // elapsed: so the renewed lock ends measurably later than the first
    await receiver.renewSessionLock();
    expect(receiver.sessionLockedUntilUtc.getTime()).toBeGreaterThan(before);
    await receiver.close();
  });

  it('loses the session when its lock expires, and redelivers its messages', async () => {
    await bus.client.createSender('short-session-lock').sendMessages({ body: 'slow', sessionId: 'lapsing' });
    const receiver = await bus.client.acceptSession('short-session-lock', 'lapsing', {
      maxAutoLockRenewalDurationInMs: 0,
    });
    const [message] = await receiveCount(receiver, 1);
    if (message === undefined) throw new Error('no message');
    await delay(1_300); // elapsed: past the 1 s session lock duration, so the lock expires
    expect((await serviceBusErrorFrom(() => receiver.completeMessage(message))).code).toBe('SessionLockLost');
    await receiver.close();
    const again = await bus.client.acceptSession('short-session-lock', 'lapsing');
    const [redelivered] = await receiveCount(again, 1);
    expect(redelivered).toMatchObject({ body: 'slow', deliveryCount: 1 });
    if (redelivered !== undefined) await again.completeMessage(redelivered);
    await again.close();
  });

  it('feeds subscribe() on a session receiver in order', async () => {
    await bus.client
      .createSender('subscribe')
      .sendMessages([...Array(10).keys()].map((index) => ({ body: index, sessionId: 'stream' })));
    const receiver = await bus.client.acceptSession('subscribe', 'stream');
    const seen: number[] = [];
    await new Promise<void>((resolve, reject) => {
      receiver.subscribe({
        processMessage: async (message) => {
          seen.push(message.body as number);
          if (seen.length === 10) resolve();
        },
        processError: async (args) => reject(args.error),
      });
    });
    expect(seen).toEqual([...Array(10).keys()]);
    await receiver.close();
  });

  it('peeks and defers within a session', async () => {
    await bus.client.createSender('deferred-session').sendMessages([
      { body: 'a', sessionId: 'd' },
      { body: 'b', sessionId: 'd' },
    ]);
    const receiver = await bus.client.acceptSession('deferred-session', 'd');
    expect((await receiver.peekMessages(5)).map((message) => message.body)).toEqual(['a', 'b']);
    const [first] = await receiveCount(receiver, 1);
    if (first?.sequenceNumber === undefined) throw new Error('no message');
    await receiver.deferMessage(first);
    const [second] = await receiveCount(receiver, 1);
    expect(second?.body).toBe('b');
    if (second !== undefined) await receiver.completeMessage(second);
    const [deferred] = await receiver.receiveDeferredMessages(first.sequenceNumber);
    expect(deferred).toMatchObject({ body: 'a', state: 'deferred' });
    if (deferred !== undefined) await receiver.completeMessage(deferred);
    expect(bus.broker.counts.queue('deferred-session')?.totalMessageCount).toBe(0);
    await receiver.close();
  });
});
