/** Shared by the partition key range tests: containers with several ranges, EPKs, and reading one feed range. */
import {
  ChangeFeedMode,
  ChangeFeedStartFrom,
  StatusCodes,
  type ChangeFeedPullModelIterator,
  type Container,
  type CosmosClient,
  type FeedRange,
  type PartitionKeyDefinition,
} from '@azure/cosmos';
import { effectivePartitionKey } from '../../local-stack/cosmos/index.js';
import { newContainer, type FeedDocument } from './cosmos-helpers.js';

/** V2 is what the .NET SDK and the portal create; @azure/cosmos hashes with V1 unless the definition says 2. */
export const V2_KEY: PartitionKeyDefinition = { paths: ['/pk'], version: 2 };

export interface RangeResource {
  id: string;
  _rid: string;
  minInclusive: string;
  maxExclusive: string;
  parents: string[];
  ridPrefix: number;
  throughputFraction: number;
  status: string;
  lsn: number;
}

export interface AllVersionsItem {
  current?: FeedDocument & { v: number };
  metadata: { operationType: string; lsn: number; id?: string };
}

export async function rangesOf(container: Container): Promise<RangeResource[]> {
  const { resources } = await container.readPartitionKeyRanges().fetchAll();
  return (resources as unknown as RangeResource[]).sort((a, b) => (a.minInclusive < b.minInclusive ? -1 : 1));
}

export async function newRangedContainer(client: CosmosClient, partitionKey = V2_KEY): Promise<Container> {
  return newContainer(client, { partitionKey });
}

export function epkOf(partitionKey: PartitionKeyDefinition, value: string): string {
  return effectivePartitionKey({ id: 'any', _rid: 'any', partitionKey }, [value]);
}

export function inFeedRange(epk: string, range: Pick<FeedRange, 'minInclusive' | 'maxExclusive'>): boolean {
  return epk >= range.minInclusive && epk < range.maxExclusive;
}

/** `count` keys `<prefix>-<n>` whose EPK falls in `range`. */
export function keysIn(
  partitionKey: PartitionKeyDefinition,
  range: Pick<FeedRange, 'minInclusive' | 'maxExclusive'>,
  count: number,
  prefix = 'key',
): string[] {
  const keys: string[] = [];
  for (let n = 0; keys.length < count; n += 1) {
    if (n > 1_000_000) throw new Error('no keys found in range');
    const key = `${prefix}-${n}`;
    if (inFeedRange(epkOf(partitionKey, key), range)) keys.push(key);
  }
  return keys;
}

export function latestVersionFeed(container: Container, range?: FeedRange): ChangeFeedPullModelIterator<FeedDocument> {
  return container.items.getChangeFeedIterator<FeedDocument>({
    changeFeedStartFrom: ChangeFeedStartFrom.Beginning(range),
    maxItemCount: 50,
  });
}

export function allVersionsFeed(container: Container, range: FeedRange): ChangeFeedPullModelIterator<AllVersionsItem> {
  return container.items.getChangeFeedIterator<AllVersionsItem>({
    changeFeedStartFrom: ChangeFeedStartFrom.Now(range),
    changeFeedMode: ChangeFeedMode.AllVersionsAndDeletes,
    maxItemCount: 50,
  });
}

/** Every item until the iterator (which visits every range of its feed range in turn) answers 304. */
export async function drainAll<T>(iterator: ChangeFeedPullModelIterator<T>): Promise<T[]> {
  const items: T[] = [];
  for (let page = 0; page < 10_000; page += 1) {
    const response = await iterator.readNext();
    if (response.statusCode === StatusCodes.NotModified) return items;
    items.push(...(response.result as T[]));
  }
  throw new Error('change feed did not settle');
}
