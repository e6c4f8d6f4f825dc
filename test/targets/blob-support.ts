/** Azurite plus helpers shared by the Blob target's integration tests. */
import { randomUUID } from 'node:crypto';
import { BlobServiceClient, type ContainerClient } from '@azure/storage-blob';
import { startAzurite, type LocalAzurite } from '../../local-stack/azurite.js';
import type { ResolvedStorageConnection } from '../../shared/config/storage.js';
import { blobTargetSchema, createBlobTarget, type BlobTarget } from '../../shared/targets/blob/index.js';
import type { BlobTargetDeps } from '../../shared/targets/blob/index.js';

export interface BlobStack {
  azurite: LocalAzurite;
  service: BlobServiceClient;
  connection: ResolvedStorageConnection;
  /** An opened target over a fresh container; config fields override the defaults. */
  openTarget(config?: Record<string, unknown>, deps?: Omit<BlobTargetDeps, 'connection'>): Promise<Opened>;
}

export interface Opened {
  target: BlobTarget;
  container: ContainerClient;
}

export async function startBlobStack(): Promise<BlobStack> {
  const azurite = await startAzurite({ silent: true });
  const connection: ResolvedStorageConnection = {
    kind: 'connectionString',
    setting: 'Test',
    connectionString: azurite.connectionString,
  };
  const service = BlobServiceClient.fromConnectionString(azurite.connectionString);
  return {
    azurite,
    service,
    connection,
    openTarget: async (config = {}, deps = {}) => {
      const parsed = blobTargetSchema.parse({
        name: 'blob',
        type: 'blob',
        subscription: 'blob-target',
        container: `t-${randomUUID().slice(0, 8)}`,
        ...config,
      });
      const target = createBlobTarget(parsed, { connection, ...deps });
      await target.open();
      return { target, container: service.getContainerClient(parsed.container) };
    },
  };
}

/** Every blob under `prefix` with its etag and body, sorted by name. */
export async function listBlobs(
  container: ContainerClient,
  prefix = '',
): Promise<{ name: string; etag: string; text: string; metadata: Record<string, string> }[]> {
  const blobs = [];
  for await (const item of container.listBlobsFlat({ prefix, includeMetadata: true })) {
    const text = (await container.getBlobClient(item.name).downloadToBuffer()).toString('utf8');
    blobs.push({ name: item.name, etag: item.properties.etag, text, metadata: item.metadata ?? {} });
  }
  return blobs.sort((a, b) => a.name.localeCompare(b.name));
}
