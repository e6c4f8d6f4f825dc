/**
 * The one configuration schema. Every app setting the app reads is declared here with a description and, where a
 * default is safe, a default. `loadConfig` parses it once at start-up; a wrong or missing setting stops the app with
 * a message that names the setting and the expected form.
 */
import { z } from 'zod';
import { targetSchema } from '../targets/catalog.js';
import { connectionNameSchema } from './connections.js';
import { partitionKeyPathSchema } from './partition-key-path.js';
import { strictEntry } from './strict-entry.js';

const identifier = (what: string) =>
  z
    .string()
    .regex(
      /^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$/,
      `expected ${what}: 1-63 letters, digits, "-" or "_", not starting with - or _`,
    );

const softDeleteMarker = strictEntry({
  field: z.string().min(1).describe('Document field (a path such as "_deleted" or "meta/deleted") holding the marker'),
  value: z.unknown().describe('Value of that field that means "deleted"'),
});

/** zod says only "Invalid input" when no branch of a union matches; say what the marker object got wrong instead. */
function softDeleteError(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.code !== 'invalid_union') return undefined;
  const { input } = issue;
  if (typeof input === 'object' && input !== null && !Array.isArray(input)) {
    const marker = softDeleteMarker.safeParse(input);
    if (!marker.success) {
      return marker.error.issues
        .map((inner) => `${inner.path.map(String).join('.') || '(marker)'}: ${inner.message}`)
        .join('; ');
    }
  }
  return 'expected false, or {"field": "<document field>", "value": <the value that marks a delete>}';
}

export const sourceSchema = strictEntry({
  name: identifier('a source name').describe(
    'Unique name of the source; used in function names, lease prefixes and events',
  ),
  connection: connectionNameSchema.default('CosmosSource'),
  database: z.string().min(1).describe('Database of the monitored container'),
  container: z.string().min(1).describe('Monitored container'),
  partitionKeyPaths: z
    .array(partitionKeyPathSchema)
    .min(1)
    .max(3)
    .describe('Partition key path(s) of the container; up to three for hierarchical keys'),
  changeFeedMode: z
    .enum(['LatestVersion', 'AllVersionsAndDeletes'])
    .default('LatestVersion')
    .describe(
      'LatestVersion: deletes via the soft-delete marker; AllVersionsAndDeletes: every version, real deletes and TTL expiries',
    ),
  softDelete: z
    .union([softDeleteMarker, z.literal(false)], { error: softDeleteError })
    .default({ field: '_deleted', value: true })
    .describe(
      'LatestVersion mode: documents whose field equals value are published as deletes (pair with TTL); false to disable',
    ),
  leaseConnection: connectionNameSchema
    .optional()
    .describe('Connection of the lease container; defaults to the source connection'),
  leaseDatabase: z
    .string()
    .min(1)
    .optional()
    .describe('Database of the lease container; defaults to the source database'),
  leaseContainer: z.string().min(1).default('leases').describe('Lease container (shared by sources through prefixes)'),
  leasePrefix: z
    .string()
    .optional()
    .describe('Lease prefix; defaults to "<name>-" so sources can share one lease container'),
  maxItemsPerInvocation: z
    .number()
    .int()
    .min(1)
    .max(10_000)
    .default(500)
    .describe('Most changes handed to one invocation'),
  feedPollDelayMs: z
    .number()
    .int()
    .min(100)
    .max(60_000)
    .default(1_000)
    .describe('Wait between polls once the feed is drained (the platform default is 5,000 ms)'),
  startFrom: z
    .union([z.literal('beginning'), z.literal('now'), z.iso.datetime()])
    .default('beginning')
    .describe('Where a source without leases starts: beginning, now, or an ISO 8601 UTC time (LatestVersion only)'),
  typeField: z
    .string()
    .min(1)
    .optional()
    .describe('Document field copied to the message property "type" for subscription rules'),
  createLeaseContainer: z
    .boolean()
    .optional()
    .describe(
      'Let the trigger create the lease container when missing. Default: true when the lease connection ' +
        '(leaseConnection, else connection) is a connection string, false when it is identity-based ' +
        '(Cosmos DB data-plane RBAC cannot create containers: create it in infrastructure)',
    ),
}).superRefine((source, ctx) => {
  if (source.changeFeedMode === 'AllVersionsAndDeletes' && source.startFrom !== 'now') {
    ctx.addIssue({
      code: 'custom',
      path: ['startFrom'],
      message: 'AllVersionsAndDeletes can only start from "now" (the trigger does not support beginning or a time)',
    });
  }
});
/** A source as the schema parses it: `createLeaseContainer` may be absent (its default depends on the connection). */
export type ParsedSourceConfig = z.infer<typeof sourceSchema>;
/** A source as the app sees it (`AppConfig.sources`): parseConfig has resolved `createLeaseContainer`. */
export type SourceConfig = Omit<ParsedSourceConfig, 'createLeaseContainer'> & { createLeaseContainer: boolean };

export { targetSchema };
/** A target entry as the schema parses it (the descriptors' entry schemas, by `type`). */
export type ParsedTargetConfig = z.infer<typeof targetSchema>;
/** A target as the app sees it (`AppConfig.targets`): each descriptor's start-up check has filled its defaults. */
export type TargetConfig = ParsedTargetConfig;
