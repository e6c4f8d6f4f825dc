/**
 * The cosmosDBTrigger: for each partition key range of the monitored container, a lease in the lease container and a
 * pull-model change-feed reader that invokes the function. Lease documents follow the Change Feed Processor format
 * (see shared/leases/lease-documents.ts), so leases written by Azure are picked up locally and the other way round.
 * Instances share the leases by the processor's equal-share rule (lease-balancer.ts) and split a lease whose range
 * split (partition-controller.ts).
 */
import { randomUUID } from 'node:crypto';
import { CosmosClient } from '@azure/cosmos';
import { parseRetryOptions } from '../retry.js';
import { Lifecycle } from '../lifecycle.js';
import { cosmosAccount, type CosmosAccount } from '../settings.js';
import type { RunningTrigger, TriggerContext } from '../trigger-context.js';
import { leaseContainer, monitoredRids, PartitionRangeCache, partitionRanges } from './containers.js';
import { leaseStorePrefix } from '../../shared/leases/lease-documents.js';
import { balanceLoop, balanceOnce } from './lease-balancer.js';
import { LeaseStore } from './lease-store.js';
import { parseCosmosTriggerOptions } from './options.js';
import { PartitionController } from './partition-controller.js';

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
    const controller = new PartitionController({
      store,
      storePrefix,
      ranges: new PartitionRangeCache(monitored, ranges),
      processor: {
        registration: context.registration,
        options,
        monitored,
        containerRid,
        store,
        retry,
        log: context.log,
        signal: lifecycle.signal,
      },
      lifecycle,
      log: context.log,
    });
    const balancer = { store, controller, expirationMs: options.leaseExpirationIntervalMs, log: context.log };
    // The first round runs at once, as the processor's load balancer does, then every leaseAcquireInterval.
    await balanceOnce(balancer, true);
    lifecycle.spawn(
      () => balanceLoop(balancer, options.leaseAcquireIntervalMs, lifecycle.signal),
      (error) => context.log.error('cosmos.acquire_loop.crashed', { error }),
    );
    context.log.info('cosmos.trigger.started', {
      database: options.databaseName,
      container: options.containerName,
      leaseContainer: `${options.leaseDatabaseName}/${options.leaseContainerName}`,
      leasePrefix: storePrefix,
      leases: controller.owned,
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
