import { brokerErrors } from '../../broker/broker-error.js';
import { lockTokenFromBytes } from '../../broker/lock-token.js';

/** Reads the typed fields of `$management` request bodies, failing with a clear argument error. */

export function requestMap(body: unknown, operation: string): Record<string, unknown> {
  if (typeof body !== 'object' || body === null || Array.isArray(body) || Buffer.isBuffer(body)) {
    throw brokerErrors.argument(`The body of a '${operation}' request must be a map.`);
  }
  return body as Record<string, unknown>;
}

/** AMQP longs arrive as numbers, or as 8-byte buffers when they do not fit a double exactly. */
export function longValue(value: unknown, field: string): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'bigint') return Number(value);
  if (Buffer.isBuffer(value) && value.length === 8) return Number(value.readBigInt64BE());
  throw brokerErrors.argument(`'${field}' must be a long.`);
}

export function longArray(value: unknown, field: string): number[] {
  if (!Array.isArray(value)) throw brokerErrors.argument(`'${field}' must be an array of longs.`);
  return value.map((item) => longValue(item, field));
}

export function lockTokenArray(value: unknown, field: string): string[] {
  if (!Array.isArray(value)) throw brokerErrors.argument(`'${field}' must be an array of uuids.`);
  return value.map((item) => {
    if (!Buffer.isBuffer(item) || item.length !== 16)
      throw brokerErrors.argument(`'${field}' must hold 16-byte uuids.`);
    return lockTokenFromBytes(item);
  });
}

export function optionalString(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw brokerErrors.argument(`'${field}' must be a string.`);
  return value;
}

export function requiredString(value: unknown, field: string): string {
  const text = optionalString(value, field);
  if (text === undefined) throw brokerErrors.argument(`'${field}' is required.`);
  return text;
}

export function optionalMap(value: unknown, field: string): Record<string, unknown> | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'object' || Array.isArray(value) || Buffer.isBuffer(value))
    throw brokerErrors.argument(`'${field}' must be a map.`);
  return value as Record<string, unknown>;
}

export function optionalBinary(value: unknown, field: string): Buffer | undefined {
  if (value === undefined || value === null) return undefined;
  if (!Buffer.isBuffer(value)) throw brokerErrors.argument(`'${field}' must be binary.`);
  return value;
}
