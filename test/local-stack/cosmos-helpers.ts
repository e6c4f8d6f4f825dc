/** Shared by the local Cosmos DB integration tests: random names, containers, and draining change feeds. */
import { randomUUID } from 'node:crypto';
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
  await new Promise((resolve) => setTimeout(resolve, ms));
}
