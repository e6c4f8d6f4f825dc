/**
 * The Service Bus trigger's binding data, which the host sends as the invocation's trigger metadata. Keys, order and
 * values follow the extension (azure-sdk-for-net, Microsoft.Azure.WebJobs.Extensions.ServiceBus 5.x,
 * `Triggers/ServiceBusTriggerBindingStrategy.cs`, `GetBindingData` and `AddBindingData`), and the encoding the host's
 * `GrpcMessageConversionExtensions.ToRpc` gives each .NET value for a Node.js worker that declares
 * `TypedDataCollection`:
 *
 * - strings as `string`, left out when null (`ShouldSkipBindingData`); string arrays as `collectionString`, with null
 *   and empty entries dropped (the worker does not declare `IncludeEmptyEntriesInMessagePayload`), so such an array
 *   can be shorter than the batch;
 * - `int`, dates, dictionaries and their arrays as `json` (Newtonsoft); `long[]` as `collectionSint64`;
 * - the settlement objects (`MessageActions`, ...) as the JSON of their public properties, which is `{}`.
 */
import type { ServiceBusReceivedMessage } from '@azure/service-bus';
import { json, type RpcTypedData } from '../worker/rpc.js';
import { unspecifiedDateTime, utcDateTimeOffset } from '../worker/dotnet-dates.js';
import { longBits } from './dotnet-values.js';

type Kind = 'string' | 'int' | 'date' | 'dateOffset' | 'long' | 'object';

interface Field {
  name: string;
  kind: Kind;
  read(message: ServiceBusReceivedMessage): unknown;
}

const viaPartitionKey = (message: ServiceBusReceivedMessage): unknown =>
  message._rawAmqpMessage.messageAnnotations?.['x-opt-via-partition-key'];

/** The .NET message's properties, in the order `AddBindingData` adds them. */
const FIELDS: Field[] = [
  // The JS SDK passes the AMQP header's count of earlier deliveries; the .NET SDK adds one (1 = first delivery).
  { name: 'DeliveryCount', kind: 'int', read: (m) => (m.deliveryCount ?? 0) + 1 },
  { name: 'DeadLetterSource', kind: 'string', read: (m) => m.deadLetterSource },
  { name: 'LockToken', kind: 'string', read: (m) => m.lockToken },
  { name: 'ExpiresAtUtc', kind: 'date', read: (m) => m.expiresAtUtc },
  { name: 'ExpiresAt', kind: 'dateOffset', read: (m) => m.expiresAtUtc },
  { name: 'EnqueuedTimeUtc', kind: 'date', read: (m) => m.enqueuedTimeUtc },
  { name: 'EnqueuedTime', kind: 'dateOffset', read: (m) => m.enqueuedTimeUtc },
  { name: 'MessageId', kind: 'string', read: (m) => m.messageId },
  { name: 'ContentType', kind: 'string', read: (m) => m.contentType },
  { name: 'ReplyTo', kind: 'string', read: (m) => m.replyTo },
  { name: 'SequenceNumber', kind: 'long', read: (m) => m.sequenceNumber },
  { name: 'To', kind: 'string', read: (m) => m.to },
  { name: 'Subject', kind: 'string', read: (m) => m.subject },
  { name: 'Label', kind: 'string', read: (m) => m.subject },
  { name: 'CorrelationId', kind: 'string', read: (m) => m.correlationId },
  { name: 'ApplicationProperties', kind: 'object', read: (m) => m.applicationProperties ?? {} },
  { name: 'UserProperties', kind: 'object', read: (m) => m.applicationProperties ?? {} },
  { name: 'SessionId', kind: 'string', read: (m) => m.sessionId },
  { name: 'ReplyToSessionId', kind: 'string', read: (m) => m.replyToSessionId },
  { name: 'PartitionKey', kind: 'string', read: (m) => m.partitionKey },
  { name: 'TransactionPartitionKey', kind: 'string', read: viaPartitionKey },
];

/** The settlement and client objects every invocation's binding data starts with. */
function actionEntries(sessionLockedUntil: Date | undefined, namespace: string): [string, RpcTypedData][] {
  // A session's actions expose SessionLockedUntil; the others have no public property.
  const actions = json(sessionLockedUntil ? { SessionLockedUntil: utcDateTimeOffset(sessionLockedUntil) } : {});
  return [
    ['MessageReceiver', actions],
    ['MessageSession', actions],
    ['MessageActions', actions],
    ['SessionActions', actions],
    ['ReceiveActions', json({})],
    ['Client', json({ FullyQualifiedNamespace: namespace, IsClosed: false, TransportType: 0, Identifier: namespace })],
  ];
}

function sequenceOf(value: unknown): bigint | undefined {
  if (value === undefined || value === null) return undefined;
  return BigInt(String(value));
}

/** `JsonConvert.SerializeObject` of a property value: Dates as ISO strings, as Newtonsoft writes a UTC DateTime. */
const jsonValue = (value: unknown): string =>
  JSON.stringify(value, (_key, inner: unknown) => (inner instanceof Date ? inner.toISOString() : inner));

function encodeOne(kind: Kind, value: unknown): RpcTypedData | undefined {
  if (value === undefined || value === null) return undefined;
  switch (kind) {
    case 'string':
      return { string: String(value) };
    case 'int':
      return { json: String(value) };
    case 'date':
      return { json: JSON.stringify(unspecifiedDateTime(value as Date)) };
    case 'dateOffset':
      return { json: JSON.stringify(utcDateTimeOffset(value as Date)) };
    case 'long':
      return { json: String(sequenceOf(value)) };
    case 'object':
      return { json: jsonValue(value) };
  }
}

function encodeMany(kind: Kind, values: unknown[]): RpcTypedData {
  switch (kind) {
    case 'string':
      return {
        collectionString: {
          string: values.filter((value) => value !== undefined && value !== null && value !== '').map(String),
        },
      };
    case 'long':
      return { collectionSint64: { sint64: values.map((value) => longBits(sequenceOf(value) ?? 0n)) } };
    case 'date':
      return { json: JSON.stringify(values.map((value) => (value ? unspecifiedDateTime(value as Date) : null))) };
    case 'dateOffset':
      return { json: JSON.stringify(values.map((value) => (value ? utcDateTimeOffset(value as Date) : null))) };
    case 'int':
    case 'object':
      return { json: jsonValue(values) };
  }
}

export interface BindingDataContext {
  /** The host name of the namespace, as the client reports it. */
  namespace: string;
  /** For session receivers: until when the session is locked. */
  sessionLockedUntil?: Date | undefined;
}

/** Trigger metadata for one message (`cardinality: 'one'`). */
export function singleBindingData(
  message: ServiceBusReceivedMessage,
  context: BindingDataContext,
): Record<string, RpcTypedData> {
  const metadata = Object.fromEntries(actionEntries(context.sessionLockedUntil, context.namespace));
  for (const field of FIELDS) {
    const encoded = encodeOne(field.kind, field.read(message));
    if (encoded) metadata[field.name] = encoded;
  }
  return metadata;
}

/**
 * Trigger metadata for a batch (`cardinality: 'many'`): the same names with an `Array` suffix. The extension fills
 * `TransactionPartitionKeyArray` with the partition keys (a slip in `AddBindingData`), and so does this.
 */
export function batchBindingData(
  messages: readonly ServiceBusReceivedMessage[],
  context: BindingDataContext,
): Record<string, RpcTypedData> {
  const metadata = Object.fromEntries(actionEntries(context.sessionLockedUntil, context.namespace));
  for (const field of FIELDS) {
    const read =
      field.name === 'TransactionPartitionKey' ? (m: ServiceBusReceivedMessage) => m.partitionKey : field.read;
    metadata[`${field.name}Array`] = encodeMany(field.kind, messages.map(read));
  }
  return metadata;
}
