/** Shared by the local Cosmos DB integration tests: random names, containers, and draining change feeds. */
import { createHmac, randomUUID } from 'node:crypto';
import {
  CosmosClient,
  StatusCodes,
  type ChangeFeedIteratorResponse,
  type ChangeFeedPullModelIterator,
  type Container,
  type ContainerRequest,
  type Resource,
} from '@azure/cosmos';
import { localCosmosClientOptions, type LocalCosmos } from '../../local-stack/cosmos/index.js';

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export function clientFor(local: LocalCosmos): CosmosClient {
  return new CosmosClient(localCosmosClientOptions(local));
}

/** A new container partitioned on /pk in a new database, both with random names. */
export async function newContainer(
  client: CosmosClient,
  definition: Partial<ContainerRequest> = {},
): Promise<Container> {
  const { database } = await client.databases.create({ id: uniqueName('db') });
  const { container } = await database.containers.create({
    id: uniqueName('coll'),
    partitionKey: { paths: ['/pk'] },
    ...definition,
  });
  return container;
}

type Page<T> = ChangeFeedIteratorResponse<Array<T & Resource>>;

export interface DrainedFeed<T> {
  items: Array<T & Resource>;
  pages: Page<T>[];
  /** The 304 that ended the drain. */
  last: Page<T>;
}

/** Reads pages until the feed answers 304 Not Modified. */
export async function drain<T>(iterator: ChangeFeedPullModelIterator<T>, maxPages = 10_000): Promise<DrainedFeed<T>> {
  const items: Array<T & Resource> = [];
  const pages: Page<T>[] = [];
  for (let page = 0; page < maxPages; page += 1) {
    const response = await iterator.readNext();
    if (response.statusCode === StatusCodes.NotModified) return { items, pages, last: response };
    pages.push(response);
    items.push(...response.result);
  }
  throw new Error(`change feed still had changes after ${maxPages} pages`);
}

/** The global LSN of a session token, parsed the way the .NET change feed estimator does. */
export function lsnFromSessionToken(sessionToken: string | undefined): number {
  if (!sessionToken) throw new Error('response has no session token');
  const afterRange = sessionToken.slice(sessionToken.indexOf(':') + 1);
  const segments = afterRange.split('#');
  return Number(segments.length < 2 ? segments[0] : segments[1]);
}

export interface FeedDocument {
  id: string;
  pk: string;
  _lsn: number;
  _etag: string;
  [property: string]: unknown;
}

export async function sleep(ms: number): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, ms)); // elapsed: callers say why time must pass
}

export interface WireResponse {
  status: number;
  headers: Headers;
  /** The parsed JSON body, or undefined when there is none. */
  body: unknown;
}

export interface WireRequest {
  headers?: Record<string, string>;
  /** Sent as JSON unless it is already a string. */
  body?: unknown;
}

/**
 * Signs a request with the account's master key the way every Cosmos DB SDK does (REST "access control on resources"):
 * HMAC-SHA256 over verb, resource type, resource link and date. The link is the path without its leading slash (the
 * parent's link for a feed), ids decoded; `_rid`-based links are lower-cased.
 */
function masterKeyAuthorization(key: string, method: string, path: string, date: string): string {
  const segments = path
    .split('?')[0]!
    .split('/')
    .filter((segment) => segment !== '')
    .map((segment) => decodeURIComponent(segment));
  const isFeed = segments.length % 2 === 1;
  const resourceType = (isFeed ? segments.at(-1) : segments.at(-2)) ?? '';
  const linkSegments = isFeed ? segments.slice(0, -1) : segments;
  const ridBased = /^[A-Za-z0-9+/-]{6}==$/.test(linkSegments[1] ?? '');
  const link = linkSegments.join('/');
  const text = `${method.toLowerCase()}\n${resourceType.toLowerCase()}\n${ridBased ? link.toLowerCase() : link}\n${date.toLowerCase()}\n\n`;
  const signature = createHmac('sha256', Buffer.from(key, 'base64')).update(text, 'utf8').digest('base64');
  return encodeURIComponent(`type=master&ver=1.0&sig=${signature}`);
}

/**
 * A raw HTTP client for the local Cosmos DB, for wire-level tests of what other languages' SDKs send: the path is
 * appended to the endpoint exactly as given (so `//dbs/...` really reaches the server with two slashes).
 */
export function wireClient(local: Pick<LocalCosmos, 'endpoint' | 'key'>) {
  const origin = local.endpoint.replace(/\/$/, '');
  return async (method: string, path: string, request: WireRequest = {}): Promise<WireResponse> => {
    const date = new Date().toUTCString();
    const body =
      request.body === undefined || typeof request.body === 'string' ? request.body : JSON.stringify(request.body);
    const response = await fetch(`${origin}${path}`, {
      method,
      headers: {
        'x-ms-date': date,
        'x-ms-version': '2018-12-31',
        authorization: masterKeyAuthorization(local.key, method, path, date),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...request.headers,
      },
      ...(body !== undefined ? { body } : {}),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: text === '' ? undefined : JSON.parse(text) };
  };
}

export type WireClient = ReturnType<typeof wireClient>;
