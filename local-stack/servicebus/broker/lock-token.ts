/**
 * Lock tokens are UUIDs. The SDK reads the delivery tag of a peek-locked message as a .NET Guid (the first three
 * groups little-endian) and sends tokens back in RFC 4122 byte order, so tags are written in the .NET order.
 */

export function lockTokenFromBytes(bytes: Buffer): string {
  if (bytes.length !== 16) throw new Error(`a lock token is 16 bytes, got ${bytes.length}`);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function lockTokenBytes(token: string): Buffer {
  return Buffer.from(token.replaceAll('-', ''), 'hex');
}

/** The delivery tag for a lock token: the same 16 bytes in .NET Guid layout. */
export function lockTokenDeliveryTag(token: string): Buffer {
  const bytes = lockTokenBytes(token);
  return Buffer.from([
    bytes[3] as number,
    bytes[2] as number,
    bytes[1] as number,
    bytes[0] as number,
    bytes[5] as number,
    bytes[4] as number,
    bytes[7] as number,
    bytes[6] as number,
    ...bytes.subarray(8),
  ]);
}
