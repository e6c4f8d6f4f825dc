import type { Receiver, Sender } from 'rhea';
import { BrokerError, brokerErrors } from '../broker/broker-error.js';
import { types } from './rhea-runtime.js';
import type { AmqpErrorFields } from './rhea-runtime.js';

/** Reading and answering the terminus (source/target) of links peers attach. */

export function remoteSourceAddress(link: Sender | Receiver): string | undefined {
  return addressOf(link.source);
}

export function remoteTargetAddress(link: Sender | Receiver): string | undefined {
  return addressOf(link.target);
}

/** The source filter map a receiver asked for (session receivers put `com.microsoft:session-filter` here). */
export function remoteSourceFilter(link: Sender | Receiver): Record<string, unknown> {
  const filter: unknown = (link.source as { filter?: unknown } | null | undefined)?.filter;
  return typeof filter === 'object' && filter !== null ? (filter as Record<string, unknown>) : {};
}

/** Link attach properties the peer sent (e.g. `com.microsoft:timeout`). */
export function remoteProperties(link: Sender | Receiver): Record<string, unknown> {
  const properties: unknown = link.properties;
  return typeof properties === 'object' && properties !== null ? (properties as Record<string, unknown>) : {};
}

/** Answers an attach with the same addresses, which is how a peer learns its link was accepted. */
export function echoTerminus(link: Sender | Receiver, source: { filter?: Record<string, unknown> } = {}): void {
  // rhea types `address` as required; a peer may leave it out (a dynamic reply address), which AMQP encodes as null.
  link.set_source({ address: remoteSourceAddress(link) as string, ...source });
  link.set_target({ address: remoteTargetAddress(link) as string });
}

/**
 * Refuses an attach the AMQP way: rhea answers with an attach without terminus, and the detach that follows carries
 * the error.
 */
export function refuseLink(link: Sender | Receiver, error: BrokerError): void {
  link.close(toAmqpError(error) as Parameters<typeof link.close>[0]);
}

/** The AMQP error for a failure; an unexpected one gets the generic description (its message stays in the log). */
export function toAmqpError(error: unknown): AmqpErrorFields {
  const brokerError = error instanceof BrokerError ? error : brokerErrors.internal();
  return { condition: brokerError.condition, description: brokerError.message };
}

/** Session lock expiry in .NET ticks (100 ns since 0001-01-01), the form `com.microsoft:locked-until-utc` takes. */
export function dotnetTicks(epochMs: number): ReturnType<typeof types.wrap_long> {
  const ticks = BigInt(Math.round(epochMs)) * 10_000n + 621_355_968_000_000_000n;
  const bytes = Buffer.alloc(8);
  bytes.writeBigInt64BE(ticks);
  return types.wrap_long(bytes);
}

function addressOf(terminus: unknown): string | undefined {
  const address: unknown = (terminus as { address?: unknown } | null | undefined)?.address;
  return typeof address === 'string' ? address : undefined;
}
