/**
 * Accepting the next available session when there is none, and giving up on such an accept: timeouts repeated on one
 * connection, abort, client close, and the AMQP-level ways a client abandons a session attach the broker still holds
 * (ending the session without detaching; a detach written after its own `end` when the broker's answer crossed it).
 * The last two are what rhea, under the SDK, does when its own operation timeout fires; a raw rhea client produces
 * them deterministically.
 */
import { isServiceBusError, ServiceBusClient } from '@azure/service-bus';
import rhea, { type Connection, type EventContext, type Receiver, type Session } from 'rhea';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  delay,
  problems,
  receiveCount,
  serviceBusErrorFrom,
  startTestBroker,
  untilLogged,
  type TestBroker,
} from './support/servicebus-test-broker.js';

const TOPIC = 'accept-topic';
let bus: TestBroker;

beforeAll(async () => {
  bus = await startTestBroker({
    queues: ['accept-queue', 'abort', 'closing', 'ended', 'crossed'].map((Name) => ({
      Name,
      Properties: { RequiresSession: true },
    })),
    topics: [{ Name: TOPIC, Subscriptions: [{ Name: 'sessions', Properties: { RequiresSession: true } }] }],
  });
});

afterAll(async () => {
  await bus?.close();
  expect(problems(bus)).toEqual([]);
});

/** AMQP connections the broker has accepted so far: a connection the broker dropped shows up as a reconnect. */
const connectionsOpened = (): number => bus.logs.filter((event) => event.msg === 'connection opened').length;

/** How long `call` takes to reject, and with what; fails the test if it resolves. */
async function rejectionOf(call: () => Promise<unknown>): Promise<{ error: unknown; ms: number }> {
  const started = Date.now();
  const error = await call().then(
    () => {
      throw new Error('expected the call to fail');
    },
    (rejection: unknown) => rejection,
  );
  return { error, ms: Date.now() - started };
}

/** Sends one message to a session and accepts it on `client`, proving the client's connection still works. */
async function expectSessionAccepted(
  client: ServiceBusClient,
  entity: [string] | [string, string],
  sessionId: string,
): Promise<void> {
  await client.createSender(entity[0]).sendMessages({ body: sessionId, sessionId });
  const started = Date.now();
  const receiver =
    entity.length === 1 ? await client.acceptNextSession(entity[0]) : await client.acceptNextSession(...entity);
  expect(Date.now() - started).toBeLessThan(900); // handed over at once, not after some wait ran out
  expect(receiver.sessionId).toBe(sessionId);
  const received = await receiveCount(receiver, 1);
  expect(received.map((message) => message.body)).toEqual([sessionId]);
  await Promise.all(received.map((message) => receiver.completeMessage(message)));
  await receiver.close();
}

describe('acceptNextSession on an empty session entity, through the SDK', () => {
  it('times out with ServiceTimeout again and again on one connection, which then accepts a session normally', async () => {
    const client = new ServiceBusClient(bus.broker.connectionString, { retryOptions: { timeoutInMs: 1_000 } });
    let opened = 0;
    for (let attempt = 0; attempt < 3; attempt++) {
      const started = Date.now();
      const error = await serviceBusErrorFrom(() => client.acceptNextSession(TOPIC, 'sessions'));
      expect(error.code).toBe('ServiceTimeout');
      expect(Date.now() - started).toBeGreaterThanOrEqual(800);
      expect(Date.now() - started).toBeLessThan(3_000);
      if (attempt === 0) opened = connectionsOpened();
    }
    await expectSessionAccepted(client, [TOPIC, 'sessions'], 'after-timeouts');
    expect(connectionsOpened()).toBe(opened); // the same connection served every attempt
    await client.close();
  });

  it('does the same on a session-enabled queue', async () => {
    const client = new ServiceBusClient(bus.broker.connectionString, { retryOptions: { timeoutInMs: 1_000 } });
    expect((await serviceBusErrorFrom(() => client.acceptNextSession('accept-queue'))).code).toBe('ServiceTimeout');
    const opened = connectionsOpened();
    expect((await serviceBusErrorFrom(() => client.acceptNextSession('accept-queue'))).code).toBe('ServiceTimeout');
    await expectSessionAccepted(client, ['accept-queue'], 'queue-after-timeouts');
    expect(connectionsOpened()).toBe(opened);
    await client.close();
  });

  it('ends an accept whose abortSignal fired when its timeout runs out, and the connection stays usable', async () => {
    const client = new ServiceBusClient(bus.broker.connectionString, { retryOptions: { timeoutInMs: 1_000 } });
    const aborted = new AbortController();
    aborted.abort();
    const early = await rejectionOf(() => client.acceptNextSession('abort', { abortSignal: aborted.signal }));
    expect((early.error as Error).name).toBe('AbortError');
    expect(early.ms).toBeLessThan(500);

    // SDK 7.9.5 stops listening to the signal once it has sent the attach and sends nothing when it fires, so the
    // broker cannot tell: the accept ends when the broker answers at the client's timeout (the SDK's doing, not the
    // broker's; a later SDK that honours the signal would end it with an AbortError at once).
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 200); // elapsed: the signal fires after the attach went out
    const late = await rejectionOf(() => client.acceptNextSession('abort', { abortSignal: controller.signal }));
    expect(isServiceBusError(late.error) || (late.error as Error).name === 'AbortError').toBe(true);
    expect(late.ms).toBeLessThan(2_500);
    await expectSessionAccepted(client, ['abort'], 'after-abort');
    await client.close();
  });

  it('closes a client at once while an accept is pending, and the broker stops waiting on its behalf', async () => {
    const client = new ServiceBusClient(bus.broker.connectionString, { retryOptions: { timeoutInMs: 30_000 } });
    // The SDK does not end this promise when the client closes: it only listens for an answer to its attach, and
    // a closed connection gives none, so rhea-promise's own 60 s timeout ends it. Its outcome is ignored here.
    const pending = client.acceptNextSession('closing').catch((error: unknown) => error);
    await untilLogged(bus, 'a next-session receiver waits for a session', { entity: 'closing' });
    const started = Date.now();
    await client.close();
    expect(Date.now() - started).toBeLessThan(2_000);
    // Had the broker kept the closed connection's wait, it would hand it this session and the accept below would wait.
    await expectSessionAccepted(bus.client, ['closing'], 'after-close');
    void pending;
  });
});

/** A raw rhea connection to the broker, for frame sequences the SDK produces only under unlucky timing. */
async function openRawConnection(): Promise<Connection> {
  const container = rhea.create_container({ id: 'session-accept-test' });
  container.on('error', () => undefined);
  const connection = container.connect({ host: bus.broker.host, port: bus.broker.port, reconnect: false });
  await new Promise<void>((resolve, reject) => {
    connection.once('connection_open', () => resolve());
    connection.once('disconnected', () => reject(new Error('could not connect')));
  });
  return connection;
}

/** A next-available-session receiver on a session of its own, as the SDK attaches one; the broker holds the answer. */
function attachNextSessionReceiver(
  connection: Connection,
  queue: string,
  waitMs: number,
): { session: Session; receiver: Receiver } {
  const session = connection.create_session();
  session.begin();
  const receiver = session.attach_receiver({
    name: `${queue}-next-${Date.now()}`,
    source: { address: queue, filter: { 'com.microsoft:session-filter': undefined } },
    target: { address: `${queue}-client` },
    properties: { 'com.microsoft:timeout': waitMs },
    credit_window: 0,
    autoaccept: false,
    rcv_settle_mode: 1,
  });
  receiver.on('receiver_error', () => undefined);
  return { session, receiver };
}

function once(
  emitter: { once(event: string, listener: (context: EventContext) => void): unknown },
  event: string,
): Promise<EventContext> {
  return new Promise((resolve) => emitter.once(event, resolve));
}

/** The connection still carries new sessions and links: a message sent over it is accepted. */
async function expectRawConnectionUsable(connection: Connection, queue: string): Promise<void> {
  const sender = connection.open_sender({ target: { address: queue } });
  await once(sender, 'sendable');
  sender.send({ body: 'still connected', message_id: 'm1', group_id: 'still-connected' });
  await once(sender, 'accepted');
  sender.close();
}

describe('a client that gives up on a session attach the broker still holds', () => {
  it('drops the wait when the client ends the AMQP session without detaching, so no session goes to a dead link', async () => {
    const connection = await openRawConnection();
    const { session } = attachNextSessionReceiver(connection, 'ended', 30_000);
    await untilLogged(bus, 'a next-session receiver waits for a session', { entity: 'ended' });
    // What rhea-promise does when its operation timeout fires before the attach is answered: end, no detach.
    const ended = once(session, 'session_close');
    session.close();
    await ended;
    await expectSessionAccepted(bus.client, ['ended'], 'not-for-the-dead');
    connection.close();
  });

  it('keeps the connection when a detach arrives after the client ended its session', async () => {
    const connection = await openRawConnection();
    const socket = (connection as unknown as { socket: { pause(): void; resume(): void } }).socket;
    const { session, receiver } = attachNextSessionReceiver(connection, 'crossed', 300);
    await untilLogged(bus, 'a next-session receiver waits for a session', { entity: 'crossed' });
    // The client stops reading, so the broker's timeout answer (attach + detach, at 300 ms) reaches it only after it
    // has ended the session and then closed the link: the order in which rhea writes when the two cross on the wire.
    socket.pause();
    await delay(400); // elapsed: past the broker's 300 ms wait, so its answer is on the wire
    session.close();
    await delay(20); // elapsed: the end and the detach leave in separate writes, as they do when the two cross
    receiver.close();
    await delay(100); // elapsed: both frames reach the broker before the client reads the answer
    socket.resume();
    // The late frames did reach the broker separately (rhea re-attaches the closed link when the answer arrives).
    for (const performative of ['detach', 'attach'])
      await untilLogged(bus, 'dropped a frame the client sent after ending its session', { performative });
    const dropped = bus.logs.filter(
      (event) => event.msg === 'dropped a frame the client sent after ending its session',
    );
    expect(dropped.map((event) => event['performative'])).toEqual(expect.arrayContaining(['detach', 'attach']));
    expect(connection.is_open()).toBe(true);
    await expectRawConnectionUsable(connection, 'crossed');
    expect(problems(bus)).toEqual([]);
    connection.close();
  });
});
