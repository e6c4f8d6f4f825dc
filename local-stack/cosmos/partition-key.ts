/**
 * Partition key values as the SDK sends them: `x-ms-documentdb-partitionkey` is a JSON array with one value per path,
 * where a missing value is the "None" literal `{}` and a JSON null is a real null.
 */
import type { ContainerDefinition, JsonObject } from './base-server.js';
import { badRequest } from './errors.js';

export type PartitionKeyValues = readonly unknown[];

const PARTITION_KEY_HEADER = 'x-ms-documentdb-partitionkey';

/** Containers created without a definition are keyed on /id, as in the base server. */
export function partitionKeyPaths(definition: ContainerDefinition): string[] {
  const paths = definition.partitionKey?.paths;
  return paths && paths.length > 0 ? paths : ['/id'];
}

function segmentsOf(path: string): string[] {
  return path
    .replace(/^\//, '')
    .split('/')
    .map((segment) => segment.replace(/^"(.*)"$/, '$1'));
}

function valueAt(document: JsonObject, segments: string[]): unknown {
  let current: unknown = document;
  for (const segment of segments) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
    current = (current as JsonObject)[segment];
  }
  return current;
}

/** The document's partition key, one value per path, `{}` where the document has no value. */
export function extractPartitionKey(document: JsonObject, paths: string[]): PartitionKeyValues {
  return paths.map((path) => {
    const value = valueAt(document, segmentsOf(path));
    return value === undefined ? {} : value;
  });
}

export function samePartitionKey(a: PartitionKeyValues, b: PartitionKeyValues): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/**
 * A partition key component the service accepts: a string, number, boolean or null, or `{}` for "None". Anything
 * else (nested arrays, non-empty objects) makes the whole header invalid.
 */
function isComponent(value: unknown): boolean {
  if (value === null || ['string', 'number', 'boolean'].includes(typeof value)) return true;
  return isNoneLiteral(value);
}

/** Reads the request's partition key header; undefined when absent, 400 when it is not a JSON array of components. */
export function partitionKeyFromHeaders(
  headers: Record<string, string | string[] | undefined>,
): PartitionKeyValues | undefined {
  const raw = headers[PARTITION_KEY_HEADER];
  const text = Array.isArray(raw) ? raw[0] : raw;
  if (text === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  if (!Array.isArray(parsed) || !parsed.every(isComponent)) throw badRequest(`Partition key ${text} is invalid.`);
  return parsed;
}

export function requirePartitionKey(
  headers: Record<string, string | string[] | undefined>,
  paths: string[],
): PartitionKeyValues {
  const values = partitionKeyFromHeaders(headers);
  if (values === undefined) throw badRequest('PartitionKey value must be supplied for this operation.');
  if (values.length < paths.length) {
    // Sic: the service's message has "the the".
    throw badRequest(
      'The partition key supplied in x-ms-partitionkey header has fewer components than defined in the the collection.',
    );
  }
  if (values.length > paths.length) {
    throw badRequest(
      `Partition key provided either doesn't correspond to definition in the collection or doesn't match partition key field values specified in the document.`,
    );
  }
  return values;
}

/** The base store indexes documents by the first partition key value only, with "None" as undefined. */
export function firstPartitionKeyValue(values: PartitionKeyValues): unknown {
  const first = values[0];
  return isNoneLiteral(first) ? undefined : first;
}

function isNoneLiteral(value: unknown): boolean {
  return value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0;
}

/** The `{ "<property>": value }` form the all-versions feed reports for deletes. */
export function partitionKeyObject(paths: string[], values: PartitionKeyValues): JsonObject {
  const result: JsonObject = {};
  paths.forEach((path, index) => {
    const value = values[index];
    if (!isNoneLiteral(value)) result[segmentsOf(path).join('/')] = value;
  });
  return result;
}
