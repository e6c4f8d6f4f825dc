/**
 * The local Service Bus broker facing bad input: garbage bytes, malformed messages and requests, unknown addresses
 * and operations. It must answer with an AMQP error (or close that one connection) and keep serving everyone else.
 * A raw rhea client is used where the SDK would never send such things.
 */
import { connect as tcpConnect } from 'node:net';
import rhea, { type Connection, type EventContext } from 'rhea';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startServiceBusBroker } from '../../local-stack/servicebus/index.js';
import { receiveCount, startTestBroker, untilLogged, type TestBroker } from './support/servicebus-test-broker.js';

let bus: TestBroker;

beforeAll(async () => {
  bus = await startTestBroker({ queues: [{ Name: 'robust' }] });
});

afterAll(async () => {
  await bus?.close();
});

/** The broker still works end to end through the SDK. */
async function expectBrokerHealthy(): Promise<void> {
  const sender = bus.client.createSender('robust');
  const receiver = bus.client.createReceiver('robust', { receiveMode: 'receiveAndDelete' });
  await sender.sendMessages({ body: 'still alive' });
  const [message] = await receiveCount(receiver, 1);
  expect(message?.body).toBe('still alive');
  await receiver.close();
  await sender.close();
}

/** Writes raw bytes and resolves once the broker closes the socket. */
function sendRaw(bytes: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect(bus.broker.port, bus.broker.host, () => socket.write(bytes));
    socket.on('data', () => undefined);
    socket.on('error', () => undefined);
    socket.on('close', () => resolve());
    setTimeout(() => {
      socket.destroy();
      reject(new Error('the broker kept a garbage connection open'));
    }, 3_000).unref();
  });
}

async function openRheaConnection(): Promise<Connection> {
  const container = rhea.create_container();
  container.on('error', () => undefined);
  const connection = container.connect({ host: bus.broker.host, port: bus.broker.port, reconnect: false });
  await new Promise<void>((resolve, reject) => {
    connection.once('connection_open', () => resolve());
    connection.once('connection_error', () => reject(new Error('connection refused')));
  });
  return connection;
}

describe('garbage on the wire', () => {
  it('closes a connection that does not speak AMQP', async () => {
    await sendRaw(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    await expectBrokerHealthy();
  });

  it('closes a connection that sends a broken frame after a valid protocol header', async () => {
    const header = Buffer.from([0x41, 0x4d, 0x51, 0x50, 0x00, 0x01, 0x00, 0x00]); // "AMQP" 0 1 0 0, no SASL
    const brokenFrame = Buffer.from([
      0x00, 0x00, 0x00, 0x10, 0x02, 0x00, 0x00, 0x00, 0xde, 0xad, 0xbe, 0xef, 0xff, 0xff, 0xff, 0xff,
    ]);
    await sendRaw(Buffer.concat([header, brokenFrame]));
    await expectBrokerHealthy();
  });
});

describe('malformed messages and requests', () => {
  it('rejects a batch whose payload is not AMQP, keeping the connection', async () => {
    const connection = await openRheaConnection();
    const sender = connection.open_sender({ target: { address: 'robust' } });
    await new Promise<void>((resolve) => sender.once('sendable', () => resolve()));
    const outcome = await new Promise<EventContext>((resolve) => {
      sender.once('rejected', resolve);
      sender.once('accepted', resolve);
      sender.send(Buffer.from('definitely not an AMQP message'), undefined, 0x80013700);
    });
    const state = outcome.delivery?.remote_state as { error?: { condition?: string } } | undefined;
    expect(state?.error?.condition).toBe('amqp:decode-error');
    expect(connection.is_open()).toBe(true);
    connection.close();
    await expectBrokerHealthy();
  });

  it('answers an unknown management operation with a clear error status', async () => {
    const connection = await openRheaConnection();
    const replies = connection.open_receiver({
      source: { address: 'robust/$management' },
      target: { address: 'replies' },
      name: 'replies',
    });
    const requests = connection.open_sender({ target: { address: 'robust/$management' } });
    await new Promise<void>((resolve) => requests.once('sendable', () => resolve()));
    const response = await new Promise<EventContext>((resolve) => {
      replies.once('message', resolve);
      requests.send({
        message_id: 'req-1',
        reply_to: 'replies',
        application_properties: { operation: 'com.microsoft:do-magic' },
        body: {},
      });
    });
    expect(response.message?.correlation_id).toBe('req-1');
    expect(response.message?.application_properties).toMatchObject({
      statusCode: 501,
      errorCondition: 'amqp:not-implemented',
    });
    expect(String(response.message?.application_properties?.['statusDescription'])).toMatch(
      /com.microsoft:do-magic.*not supported/,
    );
    const badRequest = await new Promise<EventContext>((resolve) => {
      replies.once('message', resolve);
      requests.send({
        message_id: 'req-2',
        reply_to: 'replies',
        application_properties: { operation: 'com.microsoft:renew-lock' },
        body: { 'lock-tokens': 'not an array' },
      });
    });
    expect(badRequest.message?.application_properties).toMatchObject({
      statusCode: 400,
      errorCondition: 'com.microsoft:argument-error',
    });
    connection.close();
  });

  it('refuses a link to an address that names no entity', async () => {
    const connection = await openRheaConnection();
    const receiver = connection.open_receiver({ source: { address: 'no-such-queue' } });
    const error = await new Promise<unknown>((resolve) =>
      receiver.once('receiver_error', (context: EventContext) => resolve(context.receiver?.error)),
    );
    expect(error).toMatchObject({ condition: 'amqp:not-found' });
    expect(String((error as { description?: string }).description)).toMatch(/could not be found/);
    connection.close();
  });
});

describe('options', () => {
  it('applies a configured message size limit to sends and to batch negotiation', async () => {
    const small = await startTestBroker({ queues: [{ Name: 'small' }] }, { maxMessageSizeBytes: 4_096 });
    try {
      const sender = small.client.createSender('small');
      const batch = await sender.createMessageBatch();
      expect(batch.maxSizeInBytes).toBe(4_096);
      expect(batch.tryAddMessage({ body: 'x'.repeat(5_000) })).toBe(false);
      await expect(sender.sendMessages({ body: 'x'.repeat(5_000) })).rejects.toMatchObject({
        code: 'MessageSizeExceeded',
      });
      await sender.sendMessages({ body: 'fits' });
      expect(small.broker.counts.queue('small')?.activeMessageCount).toBe(1);
    } finally {
      await small.close();
    }
  });

  it('refuses an invalid size limit', async () => {
    await expect(startServiceBusBroker({ maxMessageSizeBytes: 0, log: () => undefined })).rejects.toThrow(
      /maxMessageSizeBytes/,
    );
  });
});

describe('shutdown', () => {
  it('closes promptly while clients are connected and receiving', async () => {
    const own = await startTestBroker({ queues: [{ Name: 'q' }] });
    const receiver = own.client.createReceiver('q');
    const pending = receiver.receiveMessages(1, { maxWaitTimeInMs: 1_000 }).catch((error: unknown) => error);
    await untilLogged(own, 'receiver attached');
    const started = Date.now();
    await own.broker.close();
    expect(Date.now() - started).toBeLessThan(1_000);
    await own.client.close();
    await pending; // the SDK gives up on its own schedule; it must not hang

    await expect(startServiceBusBroker({ port: own.broker.port, config: { nope: true } })).rejects.toThrow(
      /UserConfig/,
    );
  });
});
