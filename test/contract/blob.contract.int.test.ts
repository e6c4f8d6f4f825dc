import { randomUUID } from 'node:crypto';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { startAzurite } from '../../local-stack/azurite.js';
import { blobTargetSchema, createBlobTarget } from '../../shared/targets/blob/index.js';
import { versionFromMetadata } from '../../shared/targets/blob/document.js';
import { latestBlobName } from '../../shared/targets/blob/naming.js';
import type { Target } from '../../shared/targets/target.js';
import { makeEvent } from '../support/events.js';
import { startTcpProxy } from '../support/tcp-proxy.js';
import { runTargetContract, type StoredState } from './target-contract.js';

runTargetContract(
  'blob (latest mode)',
  async () => {
    const azurite = await startAzurite({ silent: true });
    // The target talks through a proxy the test can break, so "store down" is a real network failure.
    const blobPort = new URL(azurite.blobEndpoint).port;
    const proxy = await startTcpProxy(Number(blobPort));
    const connectionString = azurite.connectionString.replace(`:${blobPort}/`, `:${proxy.port}/`);
    const container = `contract-${randomUUID().slice(0, 8)}`;
    const config = blobTargetSchema.parse({
      name: 'blob',
      type: 'blob',
      subscription: 'blob-target',
      container,
      // The default 3 tries, as in production: after an outage the SDK's pooled keep-alive sockets are dead and the
      // first reuse of each fails with ECONNRESET; the SDK's own retry is what absorbs that.
      requestTimeoutMs: 5_000,
    });
    const blob = createBlobTarget(config, {
      connection: { kind: 'connectionString', setting: 'Test', connectionString },
      readPageSize: 7,
    });
    await blob.open();
    const reader = BlobServiceClient.fromConnectionString(azurite.connectionString).getContainerClient(container);

    // poisonEvent must return synchronously, but leasing the poison blob is I/O; applyBatch waits for it first.
    const setups: Promise<unknown>[] = [];
    const target: Target = {
      name: blob.name,
      open: () => blob.open(),
      applyBatch: async (events) => {
        for (const failure of await Promise.all(setups.splice(0))) if (failure) throw failure;
        return blob.applyBatch(events);
      },
      close: () => blob.close(),
      readVersions: (refs, signal) => blob.readVersions(refs, signal),
      listDocuments: (source, signal) => blob.listDocuments(source, signal),
    };
    return {
      target,
      listPageSize: 7,
      read: (event) => readStored(reader, latestBlobName('', event)),
      breakStore: async () => proxy.break(),
      repairStore: async () => proxy.repair(),
      // A blob with an infinite lease held by someone else refuses every write without that lease id (412
      // LeaseIdMissing) until an operator breaks the lease: one document the store will not take, the others unaffected.
      poisonEvent: (spec) => {
        const event = makeEvent(spec);
        setups.push(
          leaseForever(reader, latestBlobName('', event)).then(
            () => undefined,
            (error: unknown) => error,
          ),
        );
        return event;
      },
      cleanup: async () => {
        await proxy.close();
        await azurite.close();
      },
    };
  },
  { anyIdCharacters: true },
);

async function leaseForever(container: ContainerClient, name: string): Promise<void> {
  const blob = container.getBlockBlobClient(name);
  await blob.upload('', 0);
  await blob.getBlobLeaseClient().acquireLease(-1);
}

async function readStored(container: ContainerClient, name: string): Promise<StoredState | undefined> {
  const blob = container.getBlockBlobClient(name);
  if (!(await blob.exists())) return undefined;
  const properties = await blob.getProperties();
  const version = versionFromMetadata(properties.metadata);
  if (!version) throw new Error(`blob ${name} has no version metadata`);
  const deleted = properties.metadata?.['deleted'] === 'true';
  const body = JSON.parse((await blob.downloadToBuffer()).toString('utf8')) as Record<string, unknown>;
  return { version, deleted, document: deleted ? null : body };
}
