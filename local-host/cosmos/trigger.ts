/**
 * The cosmosDBTrigger: for each partition key range of the monitored container, a lease in the lease container and a
 * pull-model change-feed reader that invokes the function. Lease documents follow the Change Feed Processor format
 * (see shared/leases/lease-documents.ts), so leases written by Azure are picked up locally and the other way round.
 */
import { randomUUID } from 'node:crypto';
import { CosmosClient } from '@azure/cosmos';
import { parseRetryOptions } from '../retry.js';
import { Lifecycle, sleep } from '../lifecycle.js';
import { cosmosAccount, type CosmosAccount } from '../settings.js';
import type { RunningTrigger, TriggerContext } from '../trigger-context.js';
import { leaseContainer, monitoredRids, partitionRanges } from './containers.js';
import { leaseStorePrefix, type LeaseDocument } from '../../shared/leases/lease-documents.js';
import { LeaseStore } from './lease-store.js';
import { parseCosmosTriggerOptions, type CosmosTriggerOptions } from './options.js';
import { PartitionProcessor, type PartitionProcessorDeps } from './partition-processor.js';

function clientFor(account: CosmosAccount): CosmosClient {
  // Endpoint discovery would send a local emulator's clients to the addresses the account advertises.
  return new CosmosClient({
    endpoint: account.endpoint,
    key: account.key,
    connectionPolicy: { enableEndpointDiscovery: false },
  });
}

export async function startCosmosTrigger(context: TriggerContext): Promise<RunningTrigger> {
  const what = `function "${context.registration.name}"`;
  const options = parseCosmosTriggerOptions(context.binding, context.env, what);
  const retry = parseRetryOptions(context.registration.metadata.retryOptions, context.registration.name);
  const account = cosmosAccount(context.env, options.connection, what);
  const leaseAccount = cosmosAccount(context.env, options.leaseConnection, what);
  const sameAccount = account.endpoint === leaseAccount.endpoint && account.key === leaseAccount.key;
  if (
    sameAccount &&
    options.databaseName === options.leaseDatabaseName &&
    options.containerName === options.leaseContainerName
  ) {
    throw new Error(`${what}: the monitored container cannot be the same as the container storing the leases`);
  }
  const client = clientFor(account);
  const leaseClient = sameAccount ? client : clientFor(leaseAccount);
  const lifecycle = new Lifecycle();
  const dispose = (): void => {
    client.dispose();
    if (leaseClient !== client) leaseClient.dispose();
  };
  try {
    const monitored = client.database(options.databaseName).container(options.containerName);
    const [databaseRid, containerRid] = await monitoredRids(monitored, options, what);
    const leases = await leaseContainer(leaseClient, options, what);
    const storePrefix = leaseStorePrefix(options.leaseContainerPrefix, account.endpoint, databaseRid, containerRid);
    const store = new LeaseStore(leases, storePrefix, randomUUID(), context.log);
    const ranges = await partitionRanges(monitored);
    await store.initialize(
      ranges.map(({ id, min, max }) => ({ id, min, max })),
      options.changeFeedMode,
      lifecycle.signal,
    );
    const base = {
      registration: context.registration,
      options,
      monitored,
      containerRid,
      store,
      retry,
      log: context.log,
      signal: lifecycle.signal,
    };
    const owned = new Set<string>();
    const start = async (lease: LeaseDocument, prime: boolean): Promise<void> => {
      const feedRange = ranges.find((range) => range.id === lease.LeaseToken)?.feedRange;
      if (!feedRange) {
        throw new Error(
          `${what}: lease ${lease.id} matches no partition key range (splits and merges are not supported locally)`,
        );
      }
      const acquired = await store.acquire(lease, options.leaseExpirationIntervalMs);
      if (!acquired) return;
      const processor = new PartitionProcessor({ ...base, feedRange } satisfies PartitionProcessorDeps, acquired);
      let firstPage;
      try {
        firstPage = prime ? await processor.prime() : undefined;
      } catch (error) {
        // Give the lease back at once, or the next instance would wait for it to expire.
        await store
          .release(acquired)
          .catch((releaseError: unknown) => context.log.warn('cosmos.lease.release_failed', { error: releaseError }));
        throw error;
      }
      owned.add(acquired.LeaseToken);
      context.log.info('cosmos.lease.acquired', {
        leaseToken: acquired.LeaseToken,
        continuationToken: acquired.ContinuationToken,
      });
      lifecycle.spawn(
        () => processor.run(firstPage).finally(() => owned.delete(acquired.LeaseToken)),
        (error) => context.log.error('cosmos.processor.crashed', { leaseToken: acquired.LeaseToken, error }),
      );
    };
    for (const lease of await store.list()) await start(lease, true);
    lifecycle.spawn(
      () => acquireLoop(store, options, owned, lifecycle.signal, (lease) => start(lease, false), context),
      (error) => context.log.error('cosmos.acquire_loop.crashed', { error }),
    );
    context.log.info('cosmos.trigger.started', {
      database: options.databaseName,
      container: options.containerName,
      leaseContainer: `${options.leaseDatabaseName}/${options.leaseContainerName}`,
      leasePrefix: storePrefix,
      leases: [...owned],
    });
  } catch (error) {
    await lifecycle.stop();
    dispose();
    throw error;
  }
  return {
    stop: async () => {
      await lifecycle.stop();
      dispose();
    },
  };
}

/** Leases not held by this instance are looked at again every leaseAcquireInterval (free or expired ones are taken). */
async function acquireLoop(
  store: LeaseStore,
  options: CosmosTriggerOptions,
  owned: Set<string>,
  signal: AbortSignal,
  start: (lease: LeaseDocument) => Promise<void>,
  context: TriggerContext,
): Promise<void> {
  while (await sleep(options.leaseAcquireIntervalMs, signal)) {
    try {
      for (const lease of await store.list()) {
        if (!owned.has(lease.LeaseToken) && store.isFree(lease, options.leaseExpirationIntervalMs)) await start(lease);
      }
    } catch (error) {
      context.log.error('cosmos.lease.acquire_failed', { error });
    }
  }
}
