import { describe, expect, it } from 'vitest';
import { DeliveryInputError, deliveriesOf } from '../../../shared/subscribe/delivery.js';

/** Trigger metadata as `@azure/functions` hands a batch's binding data to the handler (keys camel-cased). */
function metadata(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    messageIdArray: ['a1', 'b2'],
    sessionIdArray: ['bucket-01', 'bucket-01'],
    correlationIdArray: [],
    deliveryCountArray: [1, 3],
    enqueuedTimeUtcArray: ['2026-12-04T10:00:00.1234567', '2026-12-04T10:00:01'],
    sequenceNumberArray: [
      { low: 7, high: 0, unsigned: false },
      { low: -1, high: 1, unsigned: false },
    ],
    ...overrides,
  };
}

const bodies = [Buffer.from('{"a":1}'), Buffer.from('')];

describe('deliveriesOf', () => {
  it('pairs each body with its message properties', () => {
    const [first, second] = deliveriesOf(bodies, metadata());
    expect(first).toMatchObject({ messageId: 'a1', sessionId: 'bucket-01', deliveryCount: 1, sequenceNumber: '7' });
    expect(second).toMatchObject({ messageId: 'b2', deliveryCount: 3, sequenceNumber: String(2 ** 33 - 1) });
    // .NET writes EnqueuedTimeUtc without a zone: it is UTC whatever this machine's time zone is.
    expect(first?.enqueuedTimeUtc?.toISOString()).toBe('2026-12-04T10:00:00.123Z');
    expect(second?.enqueuedTimeUtc?.toISOString()).toBe('2026-12-04T10:00:01.000Z');
    expect(Buffer.from(first?.body ?? []).toString()).toBe('{"a":1}');
    expect(second?.body.byteLength).toBe(0);
  });

  it('ignores string arrays the host shortened by dropping empty entries, rather than misaligning them', () => {
    const [first, second] = deliveriesOf(bodies, metadata({ messageIdArray: ['b2'], correlationIdArray: ['c'] }));
    expect(first?.messageId).toBeUndefined();
    expect(second?.messageId).toBeUndefined();
    expect(first?.correlationId).toBeUndefined();
    expect(first?.sessionId).toBe('bucket-01');
  });

  it('turns ids the worker parsed as JSON numbers back into text', () => {
    const [first] = deliveriesOf([Buffer.from('x')], metadata({ messageIdArray: [12345], sessionIdArray: ['s'] }));
    expect(first?.messageId).toBe('12345');
  });

  it('leaves out properties whose values are unreadable instead of guessing', () => {
    const [first] = deliveriesOf(
      [Buffer.from('x')],
      metadata({
        messageIdArray: [{}],
        sessionIdArray: [null],
        deliveryCountArray: ['3'],
        enqueuedTimeUtcArray: ['not a time'],
        sequenceNumberArray: ['7'],
      }),
    );
    expect(first).toMatchObject({
      messageId: undefined,
      sessionId: undefined,
      deliveryCount: undefined,
      enqueuedTimeUtc: undefined,
      sequenceNumber: undefined,
    });
  });

  it('works without any trigger metadata', () => {
    expect(deliveriesOf([Buffer.from('x')], undefined)).toMatchObject([{ messageId: undefined }]);
    expect(deliveriesOf([], {})).toEqual([]);
  });

  it.each([
    ['one body instead of an array', Buffer.from('x'), /instead of an array/],
    ['parsed JSON values (no dataType binary)', [{ a: 1 }], /message 0 of the batch arrived as object/],
    ['strings (dataType string)', ['{"a":1}'], /arrived as string, not as bytes/],
    ['nothing', undefined, /delivered undefined/],
  ])('refuses %s with an error that names the binding to fix', (_label, input, message) => {
    expect(() => deliveriesOf(input, metadata())).toThrow(DeliveryInputError);
    expect(() => deliveriesOf(input, metadata())).toThrow(message);
    expect(() => deliveriesOf(input, metadata())).toThrow(/dataType 'binary'/);
  });

  it("reads each message's replayKind from its application properties, and nothing from other properties", () => {
    const [replayed, live] = deliveriesOf(
      bodies,
      metadata({ applicationPropertiesArray: [{ source: 'orders', replayKind: 'repair' }, { source: 'orders' }] }),
    );
    expect(replayed?.replayKind).toBe('repair');
    expect(live?.replayKind).toBeUndefined();
    const [single] = deliveriesOf(bodies[0], { applicationProperties: { replayKind: 'replay' } }, 'one');
    expect(single?.replayKind).toBe('replay');
    expect(deliveriesOf(bodies, metadata({ applicationPropertiesArray: ['x', null] }))[0]?.replayKind).toBeUndefined();
  });

  it('reads one message of single dispatch (an ordered target): one body, properties without the Array suffix', () => {
    const [only, ...rest] = deliveriesOf(
      Buffer.from('{"a":1}'),
      {
        messageId: 'm1',
        sessionId: 'bucket-03',
        deliveryCount: 2,
        enqueuedTimeUtc: '2026-12-04T10:00:00.5',
        sequenceNumber: 42,
      },
      'one',
    );
    expect(rest).toEqual([]);
    expect(only).toMatchObject({ messageId: 'm1', sessionId: 'bucket-03', deliveryCount: 2, sequenceNumber: '42' });
    expect(only?.enqueuedTimeUtc?.toISOString()).toBe('2026-12-04T10:00:00.500Z');
  });

  it('refuses a batch where single dispatch was expected, naming the binding to fix', () => {
    expect(() => deliveriesOf([Buffer.from('x')], {}, 'one')).toThrow(/arrived as an array.*cardinality 'one'/);
  });
});
