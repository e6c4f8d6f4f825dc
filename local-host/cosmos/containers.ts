/**
 * The containers a Cosmos DB trigger needs, checked the way the extension checks them at start: the monitored
 * container (its and its database's _rid go into lease ids), the lease container (created on request, partitioned on
 * /id) and the monitored container's partition key ranges, one lease each.
 */
import { StatusCodes, type Container, type CosmosClient, type FeedRange } from '@azure/cosmos';
import type { CosmosTriggerOptions } from './options.js';

function notFound(error: unknown): boolean {
  return (error as { code?: unknown } | null)?.code === StatusCodes.NotFound;
}

/**
 * Runs a create-if-not-exists that another instance may win: the JS SDK reads, then creates, and throws the create's
 * 409 when an instance starting at the same moment created the resource in between. The .NET SDK the extension uses
 * treats that 409 as "exists" (`CreateContainerIfNotExistsAsync` reads again), so instances never fail to start on it.
 */
async function createIfNotExistsConcurrently(create: () => Promise<unknown>): Promise<void> {
  try {
    await create();
  } catch (error) {
    if ((error as { code?: unknown } | null)?.code !== StatusCodes.Conflict) throw error;
  }
}

export async function monitoredRids(
  monitored: Container,
  options: CosmosTriggerOptions,
  what: string,
): Promise<[string, string]> {
  const missing = (): Error =>
    new Error(
      `${what}: either the source container '${options.containerName}' (in database '${options.databaseName}') or the lease container ` +
        `'${options.leaseContainerName}' (in database '${options.leaseDatabaseName}') does not exist. Both containers must exist before ` +
        "the listener starts. To automatically create the lease container, set 'createLeaseContainerIfNotExists' to 'true'.",
    );
  try {
    const [{ resource: container }, { resource: database }] = await Promise.all([
      monitored.read(),
      monitored.database.read(),
    ]);
    if (!container?._rid || !database?._rid) throw missing();
    return [database._rid, container._rid];
  } catch (error) {
    throw notFound(error) ? missing() : error;
  }
}

export async function leaseContainer(
  client: CosmosClient,
  options: CosmosTriggerOptions,
  what: string,
): Promise<Container> {
  if (options.createLeaseContainerIfNotExists) {
    await createIfNotExistsConcurrently(() => client.databases.createIfNotExists({ id: options.leaseDatabaseName }));
    // Partitioned on /id with TTL on (no default), as the extension creates it: the .lock document expires by TTL.
    await createIfNotExistsConcurrently(() =>
      client.database(options.leaseDatabaseName).containers.createIfNotExists({
        id: options.leaseContainerName,
        partitionKey: { paths: ['/id'] },
        defaultTtl: -1,
      }),
    );
  }
  const container = client.database(options.leaseDatabaseName).container(options.leaseContainerName);
  const { resource } = await container.read().catch((error: unknown) => {
    if (notFound(error)) return { resource: undefined };
    throw error;
  });
  if (!resource) {
    throw new Error(
      `${what}: the lease container '${options.leaseContainerName}' (in database '${options.leaseDatabaseName}') does not exist. ` +
        "To automatically create the lease container, set 'createLeaseContainerIfNotExists' to 'true'.",
    );
  }
  const paths = resource.partitionKey?.paths ?? [];
  if (paths.length !== 1 || paths[0] !== '/id') {
    throw new Error(
      `${what}: the lease container must be partitioned on /id, but '${options.leaseContainerName}' uses ${JSON.stringify(paths)}`,
    );
  }
  return container;
}

export interface RangeInfo {
  id: string;
  min: string;
  max: string;
  feedRange: FeedRange;
}

export async function partitionRanges(monitored: Container): Promise<RangeInfo[]> {
  const [{ resources }, feedRanges] = await Promise.all([
    monitored.readPartitionKeyRanges().fetchAll(),
    monitored.getFeedRanges(),
  ]);
  return resources.map((range) => {
    const feedRange = feedRanges.find((candidate) => {
      const epk = candidate as unknown as { minInclusive?: string; maxExclusive?: string };
      return epk.minInclusive === range.minInclusive && epk.maxExclusive === range.maxExclusive;
    });
    if (!feedRange) throw new Error(`no feed range for partition key range ${String(range.id)}`);
    return { id: String(range.id), min: range.minInclusive, max: range.maxExclusive, feedRange };
  });
}

/**
 * The monitored container's ranges as last read. A lookup that misses reads them again (a split since), and the split
 * handling always reads them fresh, as the processor force-refreshes its range cache for a gone lease.
 */
export class PartitionRangeCache {
  #ranges: RangeInfo[];

  constructor(
    private readonly monitored: Container,
    initial: RangeInfo[],
  ) {
    this.#ranges = initial;
  }

  async refresh(): Promise<RangeInfo[]> {
    this.#ranges = await partitionRanges(this.monitored);
    return this.#ranges;
  }

  async find(matches: (range: RangeInfo) => boolean): Promise<RangeInfo | undefined> {
    return this.#ranges.find(matches) ?? (await this.refresh()).find(matches);
  }
}
