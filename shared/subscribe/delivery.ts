/**
 * The messages of one subscriber invocation, as the generally available Service Bus binding delivers them to a
 * Node.js function with `dataType: 'binary'`. With `cardinality: 'many'`: the bodies as a Buffer array (the host sends
 * `byte[][]` as collection bytes, untouched by Json.NET), and what is known about each message in the trigger metadata,
 * one array per property (`messageIdArray`, `deliveryCountArray`, ...). With `cardinality: 'one'`: one Buffer and the
 * same properties without the `Array` suffix.
 *
 * The host drops null and empty entries from string arrays (`collectionString`), so `messageIdArray`,
 * `sessionIdArray` and `correlationIdArray` are used only when they have one entry per body; the JSON-encoded arrays
 * (`deliveryCountArray`, `enqueuedTimeUtcArray`, `sequenceNumberArray`) always do.
 */
import { CosmosSyncError } from '../errors.js';
import { REPLAY_KIND_PROPERTY } from '../events/replay.js';

export interface Delivery {
  body: Uint8Array;
  messageId: string | undefined;
  sessionId: string | undefined;
  correlationId: string | undefined;
  /** 1 for a first delivery, as the .NET SDK counts. */
  deliveryCount: number | undefined;
  enqueuedTimeUtc: Date | undefined;
  sequenceNumber: string | undefined;
  /**
   * The message's `replayKind` application property (shared/events/replay.ts): set when an operator sent it to this
   * target on purpose (replay, backfill, repair), because the store may differ from what the target last wrote.
   */
  replayKind: string | undefined;
}

/** The function's binding does not deliver what the subscriber was built for: a deployment error, not a bad message. */
export class DeliveryInputError extends CosmosSyncError {
  readonly code = 'TRIGGER_INPUT_INVALID';
  readonly retryable = false;
}

type Metadata = Readonly<Record<string, unknown>> | undefined;

function column(metadata: Metadata, key: string, count: number): unknown[] | undefined {
  const values = metadata?.[key];
  return Array.isArray(values) && values.length === count ? values : undefined;
}

/** The worker JSON-parses each string entry, so an id made of digits arrives as a number. */
const text = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : typeof value === 'number' ? String(value) : undefined;

/** The `replayKind` of one message's application properties, which the host hands over as a JSON object. */
function replayKindOf(properties: unknown): string | undefined {
  if (typeof properties !== 'object' || properties === null) return undefined;
  return text((properties as Record<string, unknown>)[REPLAY_KIND_PROPERTY]);
}

/** .NET `DateTime` values of Kind Unspecified carry no zone; they are UTC (`EnqueuedTimeUtc`). */
function utcDate(value: unknown): Date | undefined {
  if (typeof value !== 'string') return undefined;
  const zoned = /(Z|[+-]\d\d:\d\d)$/.test(value) ? value : `${value}Z`;
  const date = new Date(zoned);
  return Number.isNaN(date.getTime()) ? undefined : date;
}

/** An `sint64` as the worker hands it over: a Long's `{ low, high }` after camel-casing. */
function sequence(value: unknown): string | undefined {
  if (typeof value === 'number' && Number.isInteger(value)) return String(value);
  if (typeof value !== 'object' || value === null) return undefined;
  const { low, high } = value as { low?: unknown; high?: unknown };
  if (typeof low !== 'number' || typeof high !== 'number') return undefined;
  return String((BigInt(high) << 32n) | BigInt(low >>> 0));
}

function bodyOf(value: unknown, index: number): Uint8Array {
  if (value instanceof Uint8Array) return value;
  throw new DeliveryInputError(
    `message ${index} of the batch arrived as ${value === null ? 'null' : typeof value}, not as bytes: the subscriber's ` +
      "trigger must bind with cardinality 'many' and dataType 'binary'",
  );
}

function singleDelivery(body: unknown, metadata: Metadata): Delivery {
  if (!(body instanceof Uint8Array)) {
    throw new DeliveryInputError(
      `the message arrived as ${Array.isArray(body) ? 'an array' : body === null ? 'null' : typeof body}, not as ` +
        "bytes: an ordered subscriber's trigger must bind with cardinality 'one' and dataType 'binary'",
    );
  }
  const deliveryCount = metadata?.['deliveryCount'];
  return {
    body,
    messageId: text(metadata?.['messageId']),
    sessionId: text(metadata?.['sessionId']),
    correlationId: text(metadata?.['correlationId']),
    deliveryCount: typeof deliveryCount === 'number' ? deliveryCount : undefined,
    enqueuedTimeUtc: utcDate(metadata?.['enqueuedTimeUtc']),
    sequenceNumber: sequence(metadata?.['sequenceNumber']),
    replayKind: replayKindOf(metadata?.['applicationProperties']),
  };
}

export type Cardinality = 'one' | 'many';

export function deliveriesOf(bodies: unknown, metadata: Metadata, cardinality: Cardinality = 'many'): Delivery[] {
  if (cardinality === 'one') return [singleDelivery(bodies, metadata)];
  if (!Array.isArray(bodies)) {
    throw new DeliveryInputError(
      `the trigger delivered ${bodies === null ? 'null' : typeof bodies} instead of an array of message bodies: the ` +
        "subscriber's trigger must bind with cardinality 'many' and dataType 'binary'",
    );
  }
  const count = bodies.length;
  const ids = column(metadata, 'messageIdArray', count);
  const sessions = column(metadata, 'sessionIdArray', count);
  const correlations = column(metadata, 'correlationIdArray', count);
  const deliveryCounts = column(metadata, 'deliveryCountArray', count);
  const enqueued = column(metadata, 'enqueuedTimeUtcArray', count);
  const sequences = column(metadata, 'sequenceNumberArray', count);
  const properties = column(metadata, 'applicationPropertiesArray', count);
  return bodies.map((body, index) => {
    const deliveryCount = deliveryCounts?.[index];
    return {
      body: bodyOf(body, index),
      messageId: text(ids?.[index]),
      sessionId: text(sessions?.[index]),
      correlationId: text(correlations?.[index]),
      deliveryCount: typeof deliveryCount === 'number' ? deliveryCount : undefined,
      enqueuedTimeUtc: utcDate(enqueued?.[index]),
      sequenceNumber: sequence(sequences?.[index]),
      replayKind: replayKindOf(properties?.[index]),
    };
  });
}
