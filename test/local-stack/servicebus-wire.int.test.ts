/**
 * The local Service Bus broker as other languages' Service Bus SDKs see it: what the wire carries for SASL, $cbs,
 * `$management`, OPEN/BEGIN and multi-frame transfers, checked with a raw rhea connection whose socket is tapped
 * (rhea's and @azure/service-bus's decoding would hide an `int` sent as a `uint`, or a response that overtakes the
 * disposition of its request). The behaviours are those a uamqp-based client depends on, as Azure provides them.
 */
import { randomUUID } from 'node:crypto';
import rhea, { type Receiver, type Sender, type Session } from 'rhea';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  amqpType,
  arrayElementType,
  decodeMessage,
  field,
  openWireConnection,
  plain,
  typedItems,
  typedMap,
  waitFor,
  wireMessages,
  type WireConnection,
  type WireFrame,
  type TypedValue,
  type WireMessage,
  type WireOptions,
} from './support/amqp-wire.js';
import { problems, startTestBroker, type TestBroker } from './support/servicebus-test-broker.js';

const id = randomUUID().slice(0, 8);
const LONG = 0x81;
const UUID = 0x98;
const queue = `wire-${id}`;
const bigQueue = `wire-big-${id}`;
const manyQueue = `wire-many-${id}`;
const opsQueue = `wire-ops-${id}`;
const windowQueue = `wire-window-${id}`;
const sessionQueue = `wire-sessions-${id}`;

let bus: TestBroker;
const open: WireConnection[] = [];

beforeAll(async () => {
  bus = await startTestBroker({
    queues: [
      { Name: queue },
      { Name: bigQueue },
      { Name: manyQueue },
      { Name: opsQueue },
      { Name: windowQueue },
      { Name: sessionQueue, Properties: { RequiresSession: true } },
    ],
  });
});

afterAll(async () => {
  await Promise.all(open.map((wire) => wire.close()));
  await bus?.close();
  expect(problems(bus)).toEqual([]);
});

async function connect(options: WireOptions = {}): Promise<WireConnection> {
  const wire = openWireConnection(bus.broker.port, bus.broker.host, options);
  open.push(wire);
  await wire.opened;
  return wire;
}

function attached<T extends Sender | Receiver>(link: T): Promise<T> {
  return new Promise((resolve, reject) => {
    link.once(link.is_sender() ? 'sendable' : 'receiver_open', () => resolve(link));
    link.once(link.is_sender() ? 'sender_error' : 'receiver_error', () =>
      reject(new Error(`link refused: ${JSON.stringify(link.error)}`)),
    );
  });
}

/** A request/response pair of links to a node ($cbs or `<entity>/$management`), SDK style (with reply-to). */
async function requestLinks(
  session: Session,
  node: string,
): Promise<{ send: Sender; replies: Receiver; replyTo: string }> {
  const replyTo = `replies-${randomUUID()}`;
  const replies = session.open_receiver({ name: replyTo, source: { address: node }, target: { address: replyTo } });
  const send = session.open_sender({ target: { address: node }, source: { address: replyTo } });
  await Promise.all([attached(replies), attached(send)]);
  return { send, replies, replyTo };
}

/** Sends one request and resolves with the response as it crossed the wire. */
async function request(
  wire: WireConnection,
  links: { send: Sender; replyTo: string },
  operation: string,
  body: unknown,
  properties: Record<string, unknown> = {},
): Promise<WireMessage> {
  const messageId = randomUUID();
  links.send.send({
    message_id: messageId,
    reply_to: links.replyTo,
    application_properties: { operation, ...properties },
    body,
  });
  return waitFor(`the response to ${operation}`, () =>
    wireMessages(wire.received).find((message) => plain(message.properties[5]) === messageId),
  );
}

function status(message: WireMessage, key: string): unknown {
  return plain(message.applicationProperties.get(key));
}

function performatives(frames: WireFrame[], name: string): WireFrame[] {
  return frames.filter((frame) => frame.performative === name);
}

describe('SASL', () => {
  it('offers MSSBCBS, as Service Bus does, and lets a client that picks it in with no initial response', async () => {
    const wire = await connect({
      sasl_mechanisms: { MSSBCBS: () => ({ start: (done: (error?: unknown, response?: Buffer) => void) => done() }) },
    });
    const [mechanisms] = performatives(wire.received, 'sasl-mechanisms');
    expect(plain(field(mechanisms as WireFrame, 0))).toEqual(expect.arrayContaining(['MSSBCBS', 'PLAIN', 'ANONYMOUS']));
    const [init] = performatives(wire.sent, 'sasl-init');
    expect(plain(field(init as WireFrame, 0))).toBe('MSSBCBS');
    const [outcome] = performatives(wire.received, 'sasl-outcome');
    expect(plain(field(outcome as WireFrame, 0))).toBe(0); // ok
    expect(wire.connection.is_open()).toBe(true);
  });
});

describe('$cbs', () => {
  it('answers a put-token that has no reply-to on the receiving link paired with the request link', async () => {
    const wire = await connect();
    const session = wire.connection.create_session();
    session.begin();
    // uamqp's CBS: two links named after the node, both addresses `$cbs`, requests with a ulong message-id only.
    const replies = session.open_receiver({
      name: '$cbs-receiver',
      source: { address: '$cbs' },
      target: { address: '$cbs' },
    });
    const requests = session.open_sender({
      name: '$cbs-sender',
      source: { address: '$cbs' },
      target: { address: '$cbs' },
    });
    await Promise.all([attached(replies), attached(requests)]);
    // A later receiving link from $cbs on another session of the same connection must not get the answer.
    const other = wire.connection.create_session();
    other.begin();
    const decoy = await attached(other.open_receiver({ source: { address: '$cbs' }, target: { address: '$cbs' } }));
    let misrouted = false;
    decoy.on('message', () => (misrouted = true));
    let answered = false;
    replies.once('message', () => (answered = true));
    requests.send({
      message_id: 7,
      application_properties: {
        operation: 'put-token',
        type: 'servicebus.windows.net:sastoken',
        name: `sb://localhost/${queue}`,
      },
      body: 'SharedAccessSignature sr=x&sig=y&se=1&skn=RootManageSharedAccessKey',
    });
    await waitFor('an answer on the paired link', () => (answered ? true : undefined));
    const response = await waitFor('the put-token response', () => wireMessages(wire.received)[0]);
    expect(response.handle).toBe(plain(field(performatives(wire.received, 'attach')[0] as WireFrame, 1)));
    expect(amqpType(response.properties[5])).toBe('ulong');
    expect(plain(response.properties[5])).toBe(7);
    expect(status(response, 'status-code')).toBe(202);
    expect(misrouted).toBe(false);
  });

  it('types status-code as int and status-description as string, for success and failure', async () => {
    const wire = await connect();
    const session = wire.connection.create_session();
    session.begin();
    const links = await requestLinks(session, '$cbs');
    const token = { type: 'servicebus.windows.net:sastoken' };
    const accepted = await request(wire, links, 'put-token', 'token', { ...token, name: `sb://localhost/${queue}` });
    const missing = await request(wire, links, 'put-token', 'token', {
      ...token,
      name: 'sb://localhost/no-such-queue',
    });
    for (const response of [accepted, missing]) {
      expect(amqpType(response.applicationProperties.get('status-code'))).toBe('int');
      expect(amqpType(response.applicationProperties.get('status-description'))).toBe('string');
    }
    expect([status(accepted, 'status-code'), status(missing, 'status-code')]).toEqual([202, 404]);
  });
});

describe('$management', () => {
  it('types statusCode as int, statusDescription as string and errorCondition as symbol', async () => {
    const wire = await connect();
    const session = wire.connection.create_session();
    session.begin();
    const links = await requestLinks(session, `${queue}/$management`);
    const peek = await request(wire, links, 'com.microsoft:peek-message', {
      'from-sequence-number': rhea.types.wrap_long(1),
      'message-count': rhea.types.wrap_int(1),
    });
    const unknown = await request(wire, links, 'com.microsoft:do-magic', {});
    for (const response of [peek, unknown]) {
      expect(amqpType(response.applicationProperties.get('statusCode'))).toBe('int');
      expect(amqpType(response.applicationProperties.get('statusDescription'))).toBe('string');
    }
    expect(status(peek, 'statusCode')).toBe(204);
    expect(status(unknown, 'statusCode')).toBe(501);
    expect(amqpType(unknown.applicationProperties.get('errorCondition'))).toBe('symbol');
    expect(status(unknown, 'errorCondition')).toBe('amqp:not-implemented');
  });

  it('settles the request (accepted) before it sends the response', async () => {
    const wire = await connect();
    const session = wire.connection.create_session();
    session.begin();
    const links = await requestLinks(session, `${queue}/$management`);
    const response = await request(wire, links, 'com.microsoft:peek-message', {
      'from-sequence-number': rhea.types.wrap_long(1),
      'message-count': rhea.types.wrap_int(1),
    });
    const [requestTransfer] = performatives(wire.sent, 'transfer');
    const deliveryId = plain(field(requestTransfer as WireFrame, 1));
    const disposition = performatives(wire.received, 'disposition').find(
      (frame) => plain(field(frame, 0)) === true && plain(field(frame, 1)) === deliveryId,
    );
    expect(disposition, 'a disposition for the request').toBeDefined();
    expect(plain(field(disposition as WireFrame, 3))).toBe(true); // settled
    expect(Number(field(disposition as WireFrame, 4)?.descriptor?.value)).toBe(0x24); // accepted
    expect((disposition as WireFrame).sequence).toBeLessThan(response.sequence);
  });
});

describe('$management response bodies', () => {
  /** The SDK reads a delivery tag as a .NET Guid (first three groups little-endian) and sends RFC 4122 bytes back. */
  function lockTokenOf(tag: Buffer): Buffer {
    return Buffer.from([
      tag[3],
      tag[2],
      tag[1],
      tag[0],
      tag[5],
      tag[4],
      tag[7],
      tag[6],
      ...tag.subarray(8),
    ] as number[]);
  }

  function bodyMap(message: WireMessage): Map<string, TypedValue> {
    return typedMap(message.body);
  }

  it("use the service's types for message operations", async () => {
    const wire = await connect();
    const session = wire.connection.create_session();
    session.begin();
    const links = await requestLinks(session, `${opsQueue}/$management`);
    const scheduledMessage = {
      message_id: 'later',
      message_annotations: { 'x-opt-scheduled-enqueue-time': new Date(Date.now() + 3_600_000) },
      body: 'later',
    };
    const scheduled = await request(wire, links, 'com.microsoft:schedule-message', {
      messages: [{ 'message-id': 'later', message: rhea.message.encode(scheduledMessage) }],
    });
    expect(status(scheduled, 'statusCode')).toBe(200);
    const sequenceNumbers = bodyMap(scheduled).get('sequence-numbers');
    expect([amqpType(sequenceNumbers), arrayElementType(sequenceNumbers)]).toEqual(['array', 'long']);
    const cancelled = await request(wire, links, 'com.microsoft:cancel-scheduled-message', {
      'sequence-numbers': rhea.types.wrap_array(plain(sequenceNumbers) as number[], LONG, undefined),
    });
    expect(status(cancelled, 'statusCode')).toBe(200);

    const sender = await attached(session.open_sender(opsQueue));
    sender.send({ message_id: 'now', body: 'now' });
    const receiver = session.open_receiver({ source: { address: opsQueue }, credit_window: 0, autoaccept: false });
    receiver.add_credit(1);
    const delivered = await new Promise<{ tag: Buffer; sequenceNumber: number }>((resolve) =>
      receiver.once('message', (context) =>
        resolve({
          tag: context.delivery?.tag as Buffer,
          sequenceNumber: Number(context.message?.message_annotations?.['x-opt-sequence-number']),
        }),
      ),
    );
    const lockTokens = rhea.types.wrap_array([lockTokenOf(delivered.tag)], UUID, undefined);
    const renewed = await request(wire, links, 'com.microsoft:renew-lock', { 'lock-tokens': lockTokens });
    const expirations = bodyMap(renewed).get('expirations');
    expect([amqpType(expirations), arrayElementType(expirations)]).toEqual(['array', 'timestamp']);

    const peeked = await request(wire, links, 'com.microsoft:peek-message', {
      'from-sequence-number': rhea.types.wrap_long(1),
      'message-count': rhea.types.wrap_int(10),
    });
    const peekedMessages = bodyMap(peeked).get('messages');
    expect(amqpType(peekedMessages)).toBe('list');
    const [firstPeeked] = typedItems(peekedMessages);
    expect(amqpType(typedMap(firstPeeked).get('message'))).toBe('binary');

    const deferred = await request(wire, links, 'com.microsoft:update-disposition', {
      'disposition-status': 'defered',
      'lock-tokens': lockTokens,
    });
    expect(status(deferred, 'statusCode')).toBe(200);
    const fetched = await request(wire, links, 'com.microsoft:receive-by-sequence-number', {
      'sequence-numbers': rhea.types.wrap_array([delivered.sequenceNumber], LONG, undefined),
      'receiver-settle-mode': rhea.types.wrap_uint(1),
    });
    const [deferredMessage] = typedItems(bodyMap(fetched).get('messages'));
    const lockToken = typedMap(deferredMessage).get('lock-token');
    const encoded = typedMap(deferredMessage).get('message');
    expect([amqpType(lockToken), amqpType(encoded)]).toEqual(['uuid', 'binary']);
    // The Python SDK takes a deferred message's lock token from this delivery annotation only.
    const annotated = decodeMessage(plain(encoded) as Buffer).deliveryAnnotations.get('x-opt-lock-token');
    expect(amqpType(annotated)).toBe('uuid');
    expect(plain(annotated)).toEqual(plain(lockToken));
  });

  it("use the service's types for session operations", async () => {
    const wire = await connect();
    const session = wire.connection.create_session();
    session.begin();
    const links = await requestLinks(session, `${sessionQueue}/$management`);
    const sender = await attached(session.open_sender(sessionQueue));
    sender.send({ group_id: 'sid', body: 'in a session' });
    const linkName = `session-receiver-${randomUUID()}`;
    await attached(
      session.open_receiver({
        name: linkName,
        source: { address: sessionQueue, filter: { 'com.microsoft:session-filter': 'sid' } },
        credit_window: 0,
      }),
    );
    const held = { 'associated-link-name': linkName };
    const set = await request(
      wire,
      links,
      'com.microsoft:set-session-state',
      { 'session-id': 'sid', 'session-state': Buffer.from('state') },
      held,
    );
    expect(status(set, 'statusCode')).toBe(200);
    const got = await request(wire, links, 'com.microsoft:get-session-state', { 'session-id': 'sid' }, held);
    expect(amqpType(bodyMap(got).get('session-state'))).toBe('binary');
    const renewed = await request(wire, links, 'com.microsoft:renew-session-lock', { 'session-id': 'sid' }, held);
    expect(amqpType(bodyMap(renewed).get('expiration'))).toBe('timestamp');
    const listed = await request(wire, links, 'com.microsoft:get-message-sessions', {
      skip: rhea.types.wrap_int(0),
      top: rhea.types.wrap_int(10),
      'last-updated-time': new Date(0),
    });
    expect(amqpType(bodyMap(listed).get('skip'))).toBe('int');
    const ids = bodyMap(listed).get('sessions-ids');
    expect([amqpType(ids), arrayElementType(ids)]).toEqual(['array', 'string']);
  });
});

describe('OPEN and BEGIN', () => {
  it('sends the max-frame-size and channel-max Service Bus sends, and no idle-time-out (see SERVICE_BUS_LIMITS)', async () => {
    const wire = await connect();
    const [openFrame] = performatives(wire.received, 'open');
    expect(plain(field(openFrame as WireFrame, 2))).toBe(65_536);
    expect(plain(field(openFrame as WireFrame, 3))).toBe(4_999);
    expect(plain(field(openFrame as WireFrame, 4))).toBeUndefined();
  });

  it('answers BEGIN with the incoming and outgoing windows Service Bus uses', async () => {
    const wire = await connect();
    wire.connection.create_session().begin();
    const begin = await waitFor('the BEGIN answer', () => performatives(wire.received, 'begin')[0]);
    expect(plain(field(begin, 2))).toBe(5_000);
    expect(plain(field(begin, 3))).toBe(2_048);
  });

  it('sends a heartbeat within half the idle-time-out the client asked for', async () => {
    const wire = await connect({ idle_time_out: 400 });
    const openedAt = wire.received.length;
    await waitFor('a heartbeat', () => wire.received.slice(openedAt).find((frame) => frame.kind === 'empty'), 2_000);
  });
});

describe('multi-frame transfers', () => {
  it('lets a client with 64 KB frames send and receive a 200 KB message, every frame within both limits', async () => {
    const wire = await connect({ max_frame_size: 65_536 });
    const body = 'x'.repeat(200_000);
    const sender = await attached(wire.connection.open_sender(bigQueue));
    const outcome = await new Promise<string>((resolve) => {
      sender.once('accepted', () => resolve('accepted'));
      sender.once('rejected', (context) => resolve(`rejected: ${JSON.stringify(context.delivery?.remote_state)}`));
      sender.send({ body, message_id: 'big' });
    });
    expect(outcome).toBe('accepted');
    const receiver = wire.connection.open_receiver({ source: { address: bigQueue }, credit_window: 1 });
    const message = await new Promise<{ body?: unknown }>((resolve) =>
      receiver.once('message', (c) => resolve(c.message ?? {})),
    );
    expect(message.body).toBe(body);
    const sentTransfers = performatives(wire.sent, 'transfer');
    const receivedTransfers = performatives(wire.received, 'transfer');
    expect(sentTransfers.length).toBeGreaterThanOrEqual(4);
    expect(receivedTransfers.length).toBeGreaterThanOrEqual(4);
    expect(Math.max(...wire.sent.map((frame) => frame.size))).toBeLessThanOrEqual(65_536);
    expect(Math.max(...wire.received.map((frame) => frame.size))).toBeLessThanOrEqual(65_536);
  });

  it('rejects a message above the entity limit with amqp:link:message-size-exceeded and keeps the link', async () => {
    const wire = await connect({ max_frame_size: 65_536 });
    const sender = await attached(wire.connection.open_sender(bigQueue));
    const [attach] = performatives(wire.received, 'attach');
    expect(plain(field(attach as WireFrame, 10))).toBe(256 * 1024); // max-message-size
    const outcome = await new Promise<{ condition?: string; description?: string }>((resolve, reject) => {
      sender.once('accepted', () => reject(new Error('a 300 KB message was accepted')));
      sender.once('rejected', (context) =>
        resolve((context.delivery?.remote_state as { error?: { condition?: string } }).error ?? {}),
      );
      sender.send({ body: 'x'.repeat(300_000) });
    });
    expect(outcome.condition).toBe('amqp:link:message-size-exceeded');
    expect(outcome.description).toMatch(/exceeds the limit \(262144 bytes\)/);
    const next = await new Promise<string>((resolve) => {
      sender.once('accepted', () => resolve('accepted'));
      sender.once('rejected', () => resolve('rejected'));
      sender.send({ body: 'fits' });
    });
    expect(next).toBe('accepted');
  });

  it("never sends more transfers than the client's incoming window allows", async () => {
    const wire = await connect({ session_buffer_size: { incoming: 3, outgoing: 64 } });
    const sender = await attached(wire.connection.open_sender(manyQueue));
    for (let i = 0; i < 20; i++) sender.send({ body: `m${i}` });
    const receiver = wire.connection.open_receiver({ source: { address: manyQueue }, credit_window: 20 });
    let count = 0;
    receiver.on('message', () => count++);
    await waitFor('20 messages', () => (count === 20 ? true : undefined));
    const [begin] = performatives(wire.sent, 'begin').filter((frame) => frame.channel === 0);
    expect(plain(field(begin as WireFrame, 2))).toBe(3); // the client's incoming window
  });

  it('keeps within the outgoing window it announced, renewing it with flows', async () => {
    const wire = await connect();
    const sender = await attached(wire.connection.open_sender(windowQueue));
    const total = 2_600;
    let accepted = 0;
    sender.on('accepted', () => accepted++);
    for (let sent = 0; sent < total;) {
      while (sent < total && sender.sendable()) {
        sender.send({ body: sent });
        sent++;
      }
      await new Promise((resolve) => setImmediate(resolve));
    }
    await waitFor('every send accepted', () => (accepted === total ? true : undefined), 20_000);
    const session = wire.connection.create_session();
    session.begin();
    const receiver = session.open_receiver({
      source: { address: windowQueue },
      credit_window: 500,
      snd_settle_mode: 1,
    });
    let received = 0;
    receiver.on('message', () => received++);
    await waitFor('every message received', () => (received === total ? true : undefined), 20_000);
    const channel = (performatives(wire.received, 'begin').at(-1) as WireFrame).channel;
    let limit = 0;
    let transferId = 0;
    let beyond = 0;
    let renewals = 0;
    for (const frame of wire.received.filter((f) => f.channel === channel)) {
      if (frame.performative === 'flow') renewals++;
      if (frame.performative === 'begin' || frame.performative === 'flow') {
        const offset = frame.performative === 'begin' ? 1 : 2;
        transferId = Number(plain(field(frame, offset)));
        limit = transferId + Number(plain(field(frame, offset + 2)));
      } else if (frame.performative === 'transfer') {
        if (transferId >= limit) beyond++;
        transferId++;
      }
    }
    expect(beyond).toBe(0);
    expect(renewals).toBeGreaterThanOrEqual(Math.floor(total / 1_024));
  });
});

describe('error descriptions', () => {
  it("name the entity but never the broker's host, port, files or stack", async () => {
    const wire = await connect();
    const session = wire.connection.create_session();
    session.begin();
    const receiver = session.open_receiver({
      source: { address: `amqp://127.0.0.1:${bus.broker.port}/no-such-queue` },
    });
    const detachError = await new Promise<{ condition?: string; description?: string }>((resolve) =>
      receiver.once('receiver_error', () => resolve((receiver.error ?? {}) as { description?: string })),
    );
    const links = await requestLinks(session, '$cbs');
    const cbs = await request(wire, links, 'put-token', 'token', {
      type: 'servicebus.windows.net:sastoken',
      name: `sb://127.0.0.1:${bus.broker.port}/no-such-queue`,
    });
    const descriptions = [detachError.description, String(status(cbs, 'status-description'))];
    expect(detachError.condition).toBe('amqp:not-found');
    for (const description of descriptions) {
      expect(description).toMatch(/The messaging entity .*no-such-queue.* could not be found/);
      expect(description).not.toMatch(/127\.0\.0\.1|localhost|\/work\/|node_modules|\.ts\b|\n\s+at /);
      expect(description).not.toContain(`:${bus.broker.port}`);
    }
  });
});
