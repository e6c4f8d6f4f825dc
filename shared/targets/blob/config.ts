/**
 * Config fragment of the Blob storage target (`type: "blob"`). `blobTargetSchema` is the entry schema of its descriptor
 * (descriptor.ts); `createBlobTarget` builds the target from the parsed entry.
 */
import { z } from 'zod';
import { connectionNameSchema } from '../../config/connections.js';
import { targetCommonFields } from '../../config/target-common.js';

/** Azure's container naming rule: 3-63 lower-case letters, digits and single hyphens, no hyphen at either end. */
const containerName = z
  .string()
  .regex(
    /^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/,
    'expected a blob container name: 3-63 lower-case letters, digits, single hyphens, not starting or ending with -',
  );

/**
 * Folder segments of safe characters. No segment may start or end with "." (Azure advises against names ending in
 * a dot, and "." / ".." segments would be collapsed by URL handling); no leading or trailing "/".
 */
const segment = '[A-Za-z0-9_=-]+(?:\\.[A-Za-z0-9_=-]+)*';
const blobPrefix = z
  .string()
  .max(200)
  .regex(
    new RegExp(`^(?:${segment}(?:/${segment})*)?$`),
    'expected a blob folder like "lake/orders": segments of letters, digits, "_", "-", "=" or inner ".", joined by "/"',
  );

export const blobTargetSchema = z.object({
  ...targetCommonFields,
  type: z.literal('blob'),
  connection: connectionNameSchema
    .default('AzureWebJobsStorage')
    .describe('Storage connection (connection string setting, or __blobServiceUri / __accountName for an identity)'),
  container: containerName.describe('Blob container written to'),
  mode: z
    .enum(['latest', 'archive'])
    .default('latest')
    .describe(
      'latest: one JSON blob per document, newest version only, tombstones for deletes; archive: one NDJSON blob per event in hourly folders',
    ),
  prefix: blobPrefix
    .default('')
    .describe('Folder all blob names start with (no leading or trailing "/"); empty for the container root'),
  createIfNotExists: z
    .boolean()
    .default(true)
    .describe(
      'Create the container at start-up when missing. Default true for connection strings and identities alike: ' +
        'unlike Cosmos DB data-plane RBAC, the Storage Blob Data Contributor role may create containers',
    ),
  concurrency: z.number().int().min(1).max(64).default(16).describe('Blobs written in parallel within one batch'),
  requestTimeoutMs: z.number().int().min(1_000).max(120_000).default(30_000).describe('Timeout of one storage request'),
  requestAttempts: z
    .number()
    .int()
    .min(1)
    .max(10)
    .default(3)
    .describe(
      'Tries of one storage request inside the SDK (network errors, 5xx); the subscriber retries the batch on top',
    ),
});

export type BlobTargetConfig = z.infer<typeof blobTargetSchema>;
