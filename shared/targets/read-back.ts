/**
 * Small helpers the targets share for reading back what they hold (`readVersions`, `listDocuments`; see target.ts):
 * one key per document ref, pages, and grouping refs by source while keeping every answer's place in the input.
 */
import { compareVersions, type ChangeEvent, type PartitionKeyValue } from '../events/envelope.js';
import type { DocumentRef, HeldVersion } from './target.js';

/** Page size of a listing or of one read request when the target's options do not say. */
export const DEFAULT_READ_PAGE_SIZE = 1_000;

/** The identity of a ref as one string, spelled like `documentKey` so both name a document the same way. */
export function refKey(ref: DocumentRef): string {
  return JSON.stringify([ref.source, ref.partitionKey, ref.documentId]);
}

/** The inverse of `refKey`. */
export function refFromKey(key: string): DocumentRef {
  const [source, partitionKey, documentId] = JSON.parse(key) as [string, PartitionKeyValue, string];
  return { source, partitionKey, documentId };
}

export function refOf(event: Pick<ChangeEvent, 'source' | 'documentId' | 'partitionKey'>): DocumentRef {
  return { source: event.source.name, documentId: event.documentId, partitionKey: event.partitionKey };
}

/** Two partition key values are the same key when their JSON is: `1` and `"1"` differ, arrays compare by element. */
export const samePartitionKey = (a: PartitionKeyValue, b: PartitionKeyValue): boolean =>
  JSON.stringify(a) === JSON.stringify(b);

export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) chunks.push(items.slice(start, start + size));
  return chunks;
}

/** Refs grouped by source, each with its place in the input, so answers can be put back in input order. */
export function groupBySource(refs: readonly DocumentRef[]): Map<string, { index: number; ref: DocumentRef }[]> {
  const groups = new Map<string, { index: number; ref: DocumentRef }[]>();
  refs.forEach((ref, index) => {
    const group = groups.get(ref.source) ?? [];
    group.push({ index, ref });
    groups.set(ref.source, group);
  });
  return groups;
}

/** The newer of two held versions (a tie keeps the first), for stores that hold several versions of a document. */
export function newerHeld<T extends HeldVersion>(held: T | undefined, candidate: T): T {
  return held === undefined || compareVersions(candidate.version, held.version) > 0 ? candidate : held;
}

/** Checks a page size from options: a whole number from 1 to `max`. */
export function checkedPageSize(value: number | undefined, max: number, fallback = DEFAULT_READ_PAGE_SIZE): number {
  const size = value ?? Math.min(fallback, max);
  if (!Number.isInteger(size) || size < 1 || size > max) {
    throw new RangeError(`readPageSize: expected a whole number from 1 to ${max}, got ${String(value)}`);
  }
  return size;
}
