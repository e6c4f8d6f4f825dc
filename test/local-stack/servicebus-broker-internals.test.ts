/**
 * Building blocks of the local Service Bus broker that need no network: the message codec, lock tokens, entity
 * addresses, duplicate detection, the heap and the bucketed deadline timer.
 */
import rhea from 'rhea';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { encodeForReceiver } from '../../local-stack/servicebus/amqp/delivery-encoder.js';
import {
  BATCH_MESSAGE_FORMAT,
  parseEncodedMessage,
  unpackBatch,
} from '../../local-stack/servicebus/amqp/message-codec.js';
import { DeadlineScheduler } from '../../local-stack/servicebus/broker/deadline-scheduler.js';
import { DuplicateDetector } from '../../local-stack/servicebus/broker/duplicate-detector.js';
import { parseEntityAddress } from '../../local-stack/servicebus/broker/entity-address.js';
import { lockTokenDeliveryTag } from '../../local-stack/servicebus/broker/lock-token.js';
import { MinHeap } from '../../local-stack/servicebus/broker/min-heap.js';
import { newStoredMessage } from '../../local-stack/servicebus/broker/stored-message.js';

describe('message codec', () => {
  const sent = rhea.message.encode({
    message_id: 'id-1',
    subject: 'order',
    group_id: 'session-1',
    content_type: 'application/json',
    application_properties: { region: 'eu', priority: 7 },
    message_annotations: { 'x-opt-partition-key': 'pk' },
    ttl: 30_000,
    body: rhea.message.data_section(Buffer.from('{"a":1}')),
  });

  it('reads what routing needs and keeps the rest as the sender encoded it', () => {
    const content = parseEncodedMessage(sent);
    expect(content.properties).toEqual({
      messageId: 'id-1',
      subject: 'order',
      groupId: 'session-1',
      contentType: 'application/json',
    });
    expect(content.applicationProperties).toEqual({ region: 'eu', priority: 7 });
    expect(content.annotations).toEqual({ 'x-opt-partition-key': 'pk' });
    expect(content.ttlMs).toBe(30_000);
    expect(content.size).toBe(sent.length);
  });

  it('adds the Service Bus annotations and header on delivery', () => {
    const message = newStoredMessage({
      sequenceNumber: 42,
      enqueuedAt: 1_700_000_000_000,
      ttlMs: 30_000,
      content: parseEncodedMessage(sent),
      state: 'active',
      scheduledAt: undefined,
    });
    message.deliveryCount = 2;
    const received = rhea.message.decode(encodeForReceiver(message, { lockedUntil: 1_700_000_060_000 }));
    expect(received.delivery_count).toBe(2);
    expect(received.ttl).toBe(30_000);
    expect(received.message_annotations).toMatchObject({
      'x-opt-partition-key': 'pk',
      'x-opt-sequence-number': 42,
      'x-opt-enqueued-time': new Date(1_700_000_000_000),
      'x-opt-locked-until': new Date(1_700_000_060_000),
    });
    expect(received.message_id).toBe('id-1');
    expect(received.application_properties).toEqual({ region: 'eu', priority: 7 });
    expect((received.body as { content: Buffer }).content.toString()).toBe('{"a":1}');
  });

  it('splits a batch into its messages', () => {
    const other = rhea.message.encode({ message_id: 'id-2', body: 'two' });
    const envelope = rhea.message.encode({ body: rhea.message.data_sections([sent, other]) });
    expect(BATCH_MESSAGE_FORMAT).toBe(0x80013700);
    expect(unpackBatch(envelope).map((content) => content.properties.messageId)).toEqual(['id-1', 'id-2']);
  });

  it('gives a message without id one of 32 hex digits', () => {
    const content = parseEncodedMessage(rhea.message.encode({ subject: 'anonymous', body: 'x' }));
    expect(content.properties.messageId).toMatch(/^[0-9a-f]{32}$/);
    expect(content.properties.subject).toBe('anonymous');
  });

  it('refuses bytes that are not an AMQP message', () => {
    expect(() => parseEncodedMessage(Buffer.from([0x00, 0x53, 0x75, 0xff]))).toThrow(
      /malformed AMQP message|unknown message section/,
    );
    expect(() => unpackBatch(rhea.message.encode({ body: 'no data sections' }))).toThrow(/no messages/);
  });
});

describe('lock tokens', () => {
  it('are sent as delivery tags in .NET Guid byte order', () => {
    const tag = lockTokenDeliveryTag('00112233-4455-6677-8899-aabbccddeeff');
    expect(tag.toString('hex')).toBe('33221100554477668899aabbccddeeff');
  });
});

describe('entity addresses', () => {
  it.each([
    ['orders', { entity: 'orders', subscription: undefined, deadLetter: false, management: false }],
    ['orders/$DeadLetterQueue', { entity: 'orders', deadLetter: true }],
    ['events/Subscriptions/audit', { entity: 'events', subscription: 'audit' }],
    [
      'events/subscriptions/audit/$deadletterqueue/$management',
      { entity: 'events', subscription: 'audit', deadLetter: true, management: true },
    ],
    ['sb://127.0.0.1:5673/orders/$management', { entity: 'orders', management: true, entityPath: 'orders' }],
  ])('parses %s', (address, expected) => {
    expect(parseEntityAddress(address)).toMatchObject(expected);
  });

  it('knows no entity in system addresses', () => {
    expect(parseEntityAddress('$cbs')).toBeUndefined();
    expect(parseEntityAddress('sb://host/')).toBeUndefined();
  });
});

describe('duplicate detection', () => {
  it('remembers ids for the window only', () => {
    const detector = new DuplicateDetector(1_000);
    expect(detector.isDuplicate('a', 0)).toBe(false);
    expect(detector.isDuplicate('a', 999)).toBe(true);
    expect(detector.isDuplicate('a', 1_000)).toBe(false);
    expect(detector.isDuplicate(undefined, 1_000)).toBe(false);
    expect(detector.isDuplicate(5, 1_001)).toBe(false);
    expect(detector.isDuplicate('5', 1_001)).toBe(false); // a number id and a string id differ
  });
});

describe('min-heap', () => {
  it('pops in order', () => {
    const heap = new MinHeap<number>((a, b) => a < b);
    for (const value of [5, 3, 9, 1, 4, 1, 8]) heap.push(value);
    const popped: number[] = [];
    for (let value = heap.pop(); value !== undefined; value = heap.pop()) popped.push(value);
    expect(popped).toEqual([1, 1, 3, 4, 5, 8, 9]);
  });
});

describe('deadline scheduler', () => {
  // Fake timers and a clock on a bucket boundary: with the real clock, whether deadlines 1 ms apart share a 20 ms
  // bucket depended on the moment the test ran.
  beforeEach(() => {
    vi.useFakeTimers({ now: 1_000_000 });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('fires due keys together, skips cancelled ones, and moves rescheduled ones', () => {
    const fired: string[][] = [];
    const scheduler = new DeadlineScheduler<string>(
      (keys) => fired.push(keys.sort()),
      (error) => {
        throw error;
      },
      20,
    );
    const now = Date.now();
    scheduler.schedule('a', now + 30);
    scheduler.schedule('b', now + 31);
    scheduler.schedule('c', now + 30);
    scheduler.schedule('late', now + 30);
    scheduler.cancel('c');
    scheduler.schedule('late', now + 150);
    vi.advanceTimersByTime(39);
    expect(fired).toEqual([]);
    vi.advanceTimersByTime(1);
    expect(fired).toEqual([['a', 'b']]);
    expect(scheduler.has('late')).toBe(true);
    vi.advanceTimersByTime(120);
    expect(fired).toEqual([['a', 'b'], ['late']]);
    scheduler.dispose();
  });

  it('puts deadlines in buckets of its resolution, so one timer serves a burst', () => {
    const fired: number[][] = [];
    const scheduler = new DeadlineScheduler<number>(
      (keys) => fired.push(keys),
      (error) => {
        throw error;
      },
      25,
    );
    const now = Date.now();
    for (let key = 1; key <= 1000; key += 1) scheduler.schedule(key, now + 1 + (key % 25));
    expect(vi.getTimerCount()).toBe(1);
    vi.advanceTimersByTime(25);
    expect(fired).toHaveLength(1);
    expect(fired[0]).toHaveLength(1000);
    scheduler.dispose();
  });
});
