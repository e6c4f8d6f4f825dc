import { randomUUID } from 'node:crypto';
import { CosmosClient } from '@azure/cosmos';
import { localCosmosClientOptions, startLocalCosmos } from '../../local-stack/cosmos/index.js';
import { CosmosTarget } from '../../shared/targets/cosmos/index.js';
import { targetKeyValue } from '../../shared/targets/cosmos/document.js';
import { makeEvent } from '../support/events.js';
import { startTcpProxy } from '../support/tcp-proxy.js';
import { runTargetContract } from './target-contract.js';

runTargetContract(
  'cosmos container',
  async () => {
    const cosmos = await startLocalCosmos();
    // The target talks through a proxy the test can break, so "store down" is a real network failure.
    const proxy = await startTcpProxy(cosmos.port);
    const endpoint = `http://127.0.0.1:${proxy.port}/`;
    const client = new CosmosClient({
      ...localCosmosClientOptions({ endpoint, key: cosmos.key }),
      connectionPolicy: {
        enableEndpointDiscovery: false,
        requestTimeout: 2_000,
        retryOptions: { maxRetryAttemptCount: 0, fixedRetryIntervalInMilliseconds: 0, maxWaitTimeInSeconds: 1 },
      },
    });
    const database = `contract-${randomUUID().slice(0, 8)}`;
    const target = new CosmosTarget({
      name: 'cosmos',
      client,
      database,
      container: 'copy',
      partitionKeyPath: '/pk',
      createIfNotExists: true,
      readPageSize: 7,
    });
    await target.open();
    const reader = new CosmosClient(localCosmosClientOptions(cosmos)).database(database).container('copy');
    return {
      target,
      listPageSize: 7,
      read: async (event) => {
        const { resource } = await reader
          .item(event.documentId, targetKeyValue(event.partitionKey))
          .read<Record<string, unknown>>();
        if (!resource) return undefined;
        const sync = resource['_sync'] as { lsn: number; ts: number; deleted: boolean };
        return {
          version: { lsn: sync.lsn, ts: sync.ts },
          deleted: sync.deleted,
          document: sync.deleted ? null : resource,
        };
      },
      breakStore: async () => proxy.break(),
      repairStore: async () => proxy.repair(),
      // Cosmos DB refuses documents over 2 MB with 413: a document that can never be stored.
      poisonEvent: (spec) => makeEvent({ ...spec, data: { huge: 'x'.repeat(2_200_000) } }),
      cleanup: async () => {
        await proxy.close();
        await cosmos.close();
      },
    };
  },
  { anyIdCharacters: false, keysComparedAsText: true },
);
