/**
 * Deterministic identifiers for events: the event (= Service Bus message) id and the session bucket. Both must be
 * stable across processes and releases, because duplicate detection and per-key ordering depend on them.
 */
import { createHash, hash } from 'node:crypto';
import type { PartitionKeyValue } from './envelope.js';

/**
 * Same source, document, partition key, LSN and operation => same id. 64 hex characters, inside Service Bus's
 * 128-character `messageId` limit whatever the document id's length.
 */
export function eventIdFor(parts: {
  sourceName: string;
  documentId: string;
  partitionKey: PartitionKeyValue;
  lsn: number;
  operation: string;
}): string {
  // A JSON array is the canonical input: its escaping keeps `("a|b", "c")` and `("a", "b|c")` apart.
  return sha256Hex(
    JSON.stringify([parts.sourceName, parts.documentId, parts.partitionKey, parts.lsn, parts.operation]),
  );
}

/**
 * One-shot `crypto.hash` skips the Hash object `createHash` allocates per call (a measurable share of the publish
 * path); it exists from Node 20.12, so older Node 20 releases fall back to `createHash`, with identical output.
 */
const sha256Hex: (input: string) => string =
  typeof hash === 'function'
    ? (input) => hash('sha256', input, 'hex')
    : (input) => createHash('sha256').update(input).digest('hex');

/**
 * The Service Bus session for a partition key: one of `bucketCount` buckets by a stable hash (FNV-1a, 32 bit), so
 * every event of one key travels in one session (per-key order) while the number of sessions stays bounded.
 */
export function sessionIdFor(partitionKey: PartitionKeyValue, bucketCount: number): string {
  if (!Number.isInteger(bucketCount) || bucketCount < 1) {
    throw new RangeError(`bucketCount must be a whole number >= 1, got ${bucketCount}`);
  }
  const text = JSON.stringify(partitionKey);
  let hash = 0x811c9dc5;
  for (let index = 0; index < text.length; index += 1) {
    hash ^= text.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  const width = String(bucketCount - 1).length;
  return `bucket-${String(hash % bucketCount).padStart(width, '0')}`;
}
