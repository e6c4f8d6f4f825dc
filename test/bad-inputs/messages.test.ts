/**
 * Bad messages at a subscriber, one row each (docs/bad-inputs.md, "Messages"): each is set aside at once as a poison
 * record with its reason and a description naming the cause, its body kept byte for byte, while the good message
 * beside it is applied. A trigger that hands over something other than message bytes is a deployment error, thrown.
 * More runner behaviour (retries, target rejections, claim checks) is in test/shared/subscribe/*.test.ts.
 */
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../shared/logging.js';
import type { PoisonRecord } from '../../shared/poison/record.js';
import type { PoisonStore } from '../../shared/poison/store.js';
import { deliveriesOf, DeliveryInputError, type Delivery } from '../../shared/subscribe/delivery.js';
import { processBatch } from '../../shared/subscribe/runner.js';
import { MemoryTarget } from '../support/memory-target.js';
import { makeEvent } from '../support/events.js';

class RecordingPoison implements PoisonStore {
  readonly records: PoisonRecord[] = [];
  async record(records: readonly PoisonRecord[]) {
    this.records.push(...records);
  }
}

function delivery(body: Uint8Array, messageId: string | undefined): Delivery {
  return {
    body,
    messageId,
    sessionId: undefined,
    correlationId: undefined,
    deliveryCount: 1,
    enqueuedTimeUtc: undefined,
    sequenceNumber: undefined,
    replayKind: undefined,
  };
}

async function run(bad: Uint8Array, { messageId }: { messageId: string | undefined } = { messageId: 'bad' }) {
  const target = new MemoryTarget('t');
  const poison = new RecordingPoison();
  const summary = await processBatch(
    {
      target,
      recorder: { record: async () => undefined },
      poison,
      logger: createLogger({ debug: () => {}, info: () => {}, warn: () => {}, error: () => {} }),
      backoff: { attempts: 1, initialDelayMs: 1, maxDelayMs: 1 },
      wait: async () => undefined,
      now: () => new Date(1_700_000_100_000),
    },
    [delivery(bad, messageId), delivery(Buffer.from(JSON.stringify(makeEvent({ id: 'good', lsn: 1 }))), 'good')],
  );
  return { summary, poison, target };
}

const event = () => makeEvent({ id: 'o1', lsn: 5 }) as unknown as Record<string, unknown>;
const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const withoutField = (field: string) => json(Object.fromEntries(Object.entries(event()).filter(([k]) => k !== field)));

describe('a bad message is set aside at once with a reason, and the rest of its batch is applied', () => {
  it.each<[string, Uint8Array, string, RegExp]>([
    ['a body of 0 bytes', Buffer.alloc(0), 'InvalidEvent', /^body is not JSON: /],
    ['bad JSON', Buffer.from('{"schemaVersion":1,'), 'InvalidEvent', /^body is not JSON: /],
    ['JSON with a byte-order mark and UTF-16 text', Buffer.from('\ufeff{}', 'utf16le'), 'InvalidEvent', /not JSON/],
    ['XML sent with an XML content type (the body decides)', Buffer.from('<event/>'), 'InvalidEvent', /not JSON/],
    ['plain text', Buffer.from('hello'), 'InvalidEvent', /^body is not JSON: /],
    [
      'a JSON string',
      json('an event'),
      'UnsupportedSchemaVersion',
      /^schemaVersion is undefined, this subscriber reads 1$/,
    ],
    [
      'an unknown schemaVersion',
      json({ ...event(), schemaVersion: 2 }),
      'UnsupportedSchemaVersion',
      /^schemaVersion is 2, /,
    ],
    [
      'schemaVersion as a string',
      json({ ...event(), schemaVersion: '1' }),
      'UnsupportedSchemaVersion',
      /^schemaVersion is "1", /,
    ],
    ['no schemaVersion', withoutField('schemaVersion'), 'UnsupportedSchemaVersion', /^schemaVersion is undefined, /],
    ['no eventId', withoutField('eventId'), 'InvalidEvent', /^not a valid event: eventId: /],
    ['no documentId', withoutField('documentId'), 'InvalidEvent', /^not a valid event: documentId: /],
    ['no source', withoutField('source'), 'InvalidEvent', /^not a valid event: source: /],
    ['no operation', withoutField('operation'), 'InvalidEvent', /^not a valid event: /],
    ['an unknown operation', json({ ...event(), operation: 'merge' }), 'InvalidEvent', /^not a valid event: /],
    [
      'a version that is not a number',
      json({ ...event(), version: { lsn: '5', ts: 1 } }),
      'InvalidEvent',
      /version\.lsn: /,
    ],
    [
      'a version beyond 2^53',
      json({ ...event(), version: { lsn: 2 ** 60, ts: 1 } }),
      'InvalidEvent',
      /version\.lsn: Too big/,
    ],
    ['a partition key that is an object', json({ ...event(), partitionKey: { a: 1 } }), 'InvalidEvent', /partitionKey/],
    [
      'a malformed claim-check reference',
      json({ claimCheck: { container: 'claims' } }),
      'ClaimCheckInvalid',
      /^not a valid claim-check reference: claimCheck\./,
    ],
  ])('%s', async (_label, body, reason, description) => {
    const { summary, poison, target } = await run(body);
    const [record] = poison.records.filter((entry) => entry.messageId === 'bad');
    expect(record).toMatchObject({ target: 't', reason, deliveryCount: 1 });
    expect(record?.description).toMatch(description);
    expect(Buffer.from(record?.body ?? []).equals(Buffer.from(body))).toBe(true);
    expect(target.liveDocuments().size).toBe(1);
    expect(summary).toMatchObject({ applied: 1, deadLettered: 1, errorsByCode: { [reason]: 1 } });
  });

  it('a message without message id (missing trigger metadata) is still set aside, with its reason', async () => {
    const { poison } = await run(Buffer.from('{nope'), { messageId: undefined });
    expect(poison.records).toHaveLength(1);
    expect(poison.records[0]).toMatchObject({ reason: 'InvalidEvent', messageId: undefined });
  });
});

describe('a trigger that does not deliver message bytes is a deployment error, thrown with its code', () => {
  it.each<[string, () => unknown, RegExp]>([
    [
      'bodies as strings (dataType string)',
      () => deliveriesOf(['{}'], undefined),
      /message 0 of the batch arrived as string/,
    ],
    ['one body where a batch was expected', () => deliveriesOf(Buffer.from('{}'), undefined), /instead of an array/],
    [
      'a batch where one message was expected',
      () => deliveriesOf([Buffer.from('{}')], undefined, 'one'),
      /as an array/,
    ],
  ])('%s', (_label, read, message) => {
    let thrown: unknown;
    try {
      read();
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(DeliveryInputError);
    expect(thrown).toMatchObject({ code: 'TRIGGER_INPUT_INVALID', retryable: false });
    expect((thrown as Error).message).toMatch(message);
  });

  it('metadata arrays of the wrong length are ignored rather than misattributed to other messages', () => {
    const [first, second] = deliveriesOf([Buffer.from('a'), Buffer.from('b')], { messageIdArray: ['only-one'] });
    expect(first?.messageId).toBeUndefined();
    expect(second?.messageId).toBeUndefined();
  });
});
