/** The demo's targets (dev/sample-targets.ts) as convergence checks see them: name, subscription and a reader each. */
import { BlobServiceClient } from '@azure/storage-blob';
import type { LocalPipeline } from './pipeline.js';
import type { SampleTargets } from './sample-targets.js';
import type { TargetUnderTest } from './target-convergence.js';
import { blobReader, cosmosReader, postgresReader, redisReader, webhookReader } from './target-readers.js';

export function targetsUnderTest(pipeline: LocalPipeline, extra: SampleTargets): TargetUnderTest[] {
  const blobs = BlobServiceClient.fromConnectionString(pipeline.stack.settings.STORAGE_CONNECTION_STRING);
  const list: TargetUnderTest[] = [
    {
      name: 'orders-copy',
      subscription: 'cosmos-target',
      read: cosmosReader(pipeline.cosmos.database('shop').container('orders-copy')),
    },
    {
      name: 'orders-blob',
      subscription: 'blob-target',
      read: blobReader(blobs.getContainerClient(extra.blobContainer)),
    },
    { name: 'orders-webhook', subscription: 'webhook-target', read: webhookReader(extra.webhook) },
  ];
  if (extra.postgresSchema)
    list.push({ name: 'orders-pg', subscription: 'postgres-target', read: postgresReader(extra.postgresSchema) });
  if (extra.redisPrefix)
    list.push({ name: 'orders-redis', subscription: 'redis-target', read: redisReader(extra.redisPrefix) });
  return list;
}
