import type { Typed } from 'rhea';
import { lockTokenBytes } from '../broker/lock-token.js';
import type { StoredMessage } from '../broker/stored-message.js';
import { MESSAGE_STATE_CODES } from '../broker/stored-message.js';
import { amqpNull, newWriter, types, wrapUbyte } from './rhea-runtime.js';

/**
 * Encodes a stored message for a receiver: a fresh header and message annotations carrying what Service Bus adds
 * (sequence number, enqueued time, lock expiry, state, dead-letter source), followed by the sender's own sections
 * byte for byte.
 */
export interface DeliveryView {
  /** Peek-lock deliveries and deferred-message receives carry the lock expiry. */
  lockedUntil?: number;
  /** Peeked messages report their state (active, deferred, scheduled). */
  includeState?: boolean;
  /**
   * Deferred messages received through `$management` carry their lock token as the `x-opt-lock-token` delivery
   * annotation too: they have no delivery tag, and the Python SDK reads the token only from there.
   */
  lockToken?: string;
}

const MAX_UINT = 0xffffffff;

export function encodeForReceiver(message: StoredMessage, view: DeliveryView): Buffer {
  const content = message.content;
  const writer = newWriter();
  const ttl = Number.isFinite(message.ttlMs) && message.ttlMs <= MAX_UINT ? types.wrap_uint(message.ttlMs) : amqpNull();
  writer.write(
    described(
      0x70,
      types.wrap_list([
        types.wrap_boolean(content.durable),
        wrapUbyte(content.priority),
        ttl,
        types.wrap_boolean(false),
        types.wrap_uint(message.deliveryCount),
      ]),
    ),
  );
  if (view.lockToken !== undefined) {
    const deliveryAnnotations = { 'x-opt-lock-token': types.wrap_uuid(lockTokenBytes(view.lockToken)) };
    writer.write(described(0x71, types.wrap_symbolic_map(deliveryAnnotations)));
  }
  const annotations: Record<string, unknown> = {
    ...content.annotations,
    'x-opt-sequence-number': types.wrap_long(message.sequenceNumber),
    'x-opt-enqueued-time': new Date(message.enqueuedAt),
  };
  if (view.lockedUntil !== undefined) annotations['x-opt-locked-until'] = new Date(view.lockedUntil);
  if (view.includeState === true || message.state !== 'active') {
    annotations['x-opt-message-state'] = types.wrap_int(MESSAGE_STATE_CODES[message.state]);
  }
  if (message.scheduledAt !== undefined) annotations['x-opt-scheduled-enqueue-time'] = new Date(message.scheduledAt);
  if (message.deadLetterSource !== undefined) annotations['x-opt-deadletter-source'] = message.deadLetterSource;
  writer.write(described(0x72, types.wrap_symbolic_map(annotations)));
  let applicationProperties = content.applicationPropertiesBytes;
  if (applicationProperties === undefined && content.applicationProperties !== undefined) {
    const appWriter = newWriter();
    appWriter.write(described(0x74, types.wrap_map(content.applicationProperties)));
    applicationProperties = appWriter.toBuffer();
  }
  const parts = [writer.toBuffer()];
  if (content.propertiesBytes !== undefined) parts.push(content.propertiesBytes);
  if (applicationProperties !== undefined) parts.push(applicationProperties);
  parts.push(content.bodyBytes);
  return Buffer.concat(parts);
}

function described(code: number, value: Typed): Typed {
  return types.described(types.wrap_ulong(code), value) as Typed;
}
