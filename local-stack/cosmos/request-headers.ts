/**
 * Request headers that every route interprets the same way, checked once before any handler runs. Wording from the
 * service's resource strings (RMResources in the Cosmos DB client libraries).
 */
import type { IncomingMessage } from 'node:http';
import { badRequest } from './errors.js';
import { header, isTrueHeader } from './http-io.js';

const PAGE_SIZE_HEADER = 'x-ms-max-item-count';

/**
 * The page size of a feed request: a positive integer, or -1 (or absent) for the service's choice, returned as
 * undefined. Anything else is refused with 400 as the service does.
 */
export function pageSize(req: IncomingMessage): number | undefined {
  const value = header(req, PAGE_SIZE_HEADER);
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === '-1') return undefined;
  if (/^\d+$/.test(trimmed) && Number(trimmed) > 0 && Number.isSafeInteger(Number(trimmed))) return Number(trimmed);
  throw badRequest(
    `The input PageSize ${value} is invalid. Ensure to pass a valid page size which must be a positive integer or -1 for a dynamic page size.`,
  );
}

/** Media types are case-insensitive and may carry parameters (`application/query+json; charset=utf-8`). */
function mediaType(req: IncomingMessage): string {
  return (header(req, 'content-type') ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
}

/** A POST that is a query, by either of the two signals the SDKs send. */
export function isQueryRequest(req: IncomingMessage): boolean {
  return (
    req.method === 'POST' &&
    (isTrueHeader(req, 'x-ms-documentdb-isquery') || mediaType(req) === 'application/query+json')
  );
}

/**
 * Makes the signals explicit for the base router too, which only recognises an exact `application/query+json`;
 * without this a query sent with a charset parameter would be stored as a document.
 */
export function normaliseRequestHeaders(req: IncomingMessage): void {
  if (isQueryRequest(req)) req.headers['x-ms-documentdb-isquery'] = 'true';
}
