/** What the .NET Service Bus SDK makes of a received message's body and sequence number, for the binding. */
import type { ServiceBusReceivedMessage } from '@azure/service-bus';

/**
 * The body as the .NET SDK's `ServiceBusReceivedMessage.Body` gives it: the bytes of the AMQP data section(s). Value
 * and sequence bodies have no such bytes; the SDK throws `NotSupportedException` for them, and so does the binding.
 */
export function bodyBytes(message: ServiceBusReceivedMessage): Buffer {
  const raw = message._rawAmqpMessage;
  if (raw.bodyType !== undefined && raw.bodyType !== 'data') {
    throw new Error(
      `The message body type "${raw.bodyType}" is not supported: the Service Bus binding reads data sections only`,
    );
  }
  const body: unknown = message.body;
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (Buffer.isBuffer(body)) return body;
  if (body instanceof Uint8Array) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
  throw new Error('local host: receive messages with skipParsingBodyAsJson so bodies stay bytes');
}

/**
 * `MessageToStringConverter`: UTF-8 (a byte order mark is dropped, as StreamReader does); bytes that are not UTF-8
 * are decoded with replacement characters, as its last fallback (`BinaryData.ToString()`) does.
 */
export function bodyString(bytes: Buffer): string {
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  return new TextDecoder('utf-8', { fatal: false, ignoreBOM: true }).decode(bytes.subarray(start));
}

/** The 64-bit sequence number as protobuf.js hands an `sint64` to the worker: a Long's `{ low, high, unsigned }`. */
export function longBits(value: bigint): { low: number; high: number; unsigned: boolean } {
  const unsigned64 = BigInt.asUintN(64, value);
  return {
    low: Number(BigInt.asIntN(32, unsigned64 & 0xffffffffn)),
    high: Number(BigInt.asIntN(32, unsigned64 >> 32n)),
    unsigned: false,
  };
}
