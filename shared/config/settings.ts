/**
 * App settings (environment variables) and how each is parsed. JSON-valued settings hold the lists of sources and
 * targets; everything else is a scalar with a safe default.
 */
import { z } from 'zod';
import { parseAuthenticationString } from '../telemetry/authentication.js';
import { healthThresholdsSchema } from './thresholds.js';
import { TARGET_TYPES, targetSchemaFor } from '../targets/catalog.js';
import type { TargetDescriptor } from '../targets/descriptor.js';
import { sourceSchema } from './schema.js';
import { messageOf } from '../errors.js';

/** Parses a JSON-valued setting, turning a syntax error into a zod issue that names the setting. */
function jsonSetting<T extends z.ZodType>(schema: T, example: string) {
  return z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch (error) {
        ctx.addIssue({
          code: 'custom',
          message: `not valid JSON (${messageOf(error)}); expected e.g. ${example}`,
        });
        return z.NEVER;
      }
    })
    .pipe(schema);
}

const integerSetting = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `expected a whole number from ${min} to ${max}`)
    .transform(Number)
    .pipe(z.number().int().min(min).max(max));

const booleanSetting = z
  .enum(['true', 'false', 'TRUE', 'FALSE', 'True', 'False'], { message: 'expected true or false' })
  .transform((text) => text.toLowerCase() === 'true');

/** The settings schema for a list of target types (the catalog's, or a test's with one type more). */
export function settingsSchemaFor<Types extends readonly [TargetDescriptor, ...TargetDescriptor[]]>(
  targetTypes: Types,
) {
  const schema = z.object({
    COSMOS_SYNC_SOURCES: jsonSetting(
      z.array(sourceSchema).min(1, 'expected at least one source'),
      '[{"name":"orders","database":"shop","container":"orders","partitionKeyPaths":["/customerId"]}]',
    ).describe('JSON array of monitored containers (see README, "Sources")'),
    COSMOS_SYNC_TARGETS: jsonSetting(
      z.array(targetSchemaFor(targetTypes)),
      '[{"name":"copy","type":"cosmos","subscription":"cosmos-target","database":"shop","container":"orders-copy"}]',
    )
      .default([])
      .describe('JSON array of targets (see README, "Targets")'),
    COSMOS_SYNC_TOPIC: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,259}$/, 'expected a Service Bus topic name')
      .default('cosmos-sync-events')
      .describe('Service Bus topic that carries the events'),
    COSMOS_SYNC_SESSION_BUCKETS: integerSetting(1, 4096)
      .default(64)
      .describe('Number of Service Bus sessions keys are spread over (per-key order; parallelism across buckets)'),
    COSMOS_SYNC_STATE_TABLE: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9]{2,62}$/, 'expected a table name: 3-63 letters or digits, starting with a letter')
      .default('cosmossyncstate')
      .describe('Azure Table holding per-target checkpoints and counters'),
    COSMOS_SYNC_METRICS_TABLE: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9]{2,62}$/, 'expected a table name: 3-63 letters or digits, starting with a letter')
      .default('cosmossyncmetrics')
      .describe('Azure Table holding one metrics row per target per timer run'),
    COSMOS_SYNC_POISON_TABLE: z
      .string()
      .regex(/^[A-Za-z][A-Za-z0-9]{2,62}$/, 'expected a table name: 3-63 letters or digits, starting with a letter')
      .default('cosmossyncpoison')
      .describe(
        'Azure Table where subscribers set aside messages they can never apply, one row per message with its reason (bodies go to the quarantine container)',
      ),
    COSMOS_SYNC_QUARANTINE_CONTAINER: z
      .string()
      .regex(
        /^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/,
        'expected a blob container name: 3-63 lower-case letters, digits, single hyphens',
      )
      .default('cosmos-sync-quarantine')
      .describe(
        'Blob container where documents that can never be published are kept with their reason, and the bodies of poison messages',
      ),
    COSMOS_SYNC_CLAIM_CONTAINER: z
      .string()
      .regex(
        /^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/,
        'expected a blob container name: 3-63 lower-case letters, digits, single hyphens',
      )
      .default('cosmos-sync-claims')
      .describe(
        'Blob container (AzureWebJobsStorage) of the claim check: events too large for one Service Bus message are ' +
          'stored here and the message carries a reference; subscribers read them back. Not the quarantine container: ' +
          'everything in it expires after COSMOS_SYNC_CLAIM_RETENTION_DAYS',
      ),
    COSMOS_SYNC_CLAIM_RETENTION_DAYS: integerSetting(1, 3650)
      .default(30)
      .describe(
        'Claim blobs last written more than this many days ago are deleted (a storage lifecycle policy in Azure, the ' +
          'metrics timer as well); keep it longer than the subscriptions’ message time to live (14 days), or a message ' +
          'may outlive its event',
      ),
    COSMOS_SYNC_CLAIM_MAX_BYTES: integerSetting(1_048_576, 268_435_456)
      .default(16_777_216)
      .describe(
        'Largest event (UTF-8 JSON bytes) the claim check stores; a larger one is quarantined (TOO_LARGE). A Cosmos DB ' +
          'item is at most 2 MB, so only a runaway event reaches the default 16 MiB',
      ),
    COSMOS_SYNC_METRICS_SCHEDULE: z
      .string()
      .regex(/^(\S+\s+){5}\S+$/, 'expected a six-field NCRONTAB expression such as "0 */1 * * * *"')
      .default('0 */1 * * * *')
      .describe('When the metrics timer runs (NCRONTAB with seconds)'),
    COSMOS_SYNC_METRICS_ENABLED: booleanSetting
      .default(true)
      .describe(
        'false: subscribers keep no state rows and the metrics timer is not registered (status then shows only lag and backlog)',
      ),
    COSMOS_SYNC_METRICS_RETENTION_DAYS: integerSetting(0, 3650)
      .default(30)
      .describe('Metrics rows older than this many days are deleted by the timer; 0 keeps them forever'),
    COSMOS_SYNC_HEALTH_THRESHOLDS: jsonSetting(
      healthThresholdsSchema,
      '{"lagSeconds":{"degraded":60,"failing":600},"backlog":{"degraded":1000,"failing":10000}}',
    )
      .default(healthThresholdsSchema.parse({}))
      .describe(
        'JSON: when a source or target is degraded or failing (lagSeconds, backlog, deadLettered, errorRate; each {degraded, failing})',
      ),
    APPLICATIONINSIGHTS_CONNECTION_STRING: z
      .string()
      .optional()
      .transform((text) => text?.trim() || undefined)
      .describe('When set (not empty), metrics are also exported to Application Insights through OpenTelemetry'),
    APPLICATIONINSIGHTS_AUTHENTICATION_STRING: z
      .string()
      .optional()
      .transform((text, ctx) => {
        const trimmed = text?.trim();
        if (!trimmed) return undefined;
        const parsed = parseAuthenticationString(trimmed);
        if (typeof parsed !== 'string') return parsed;
        ctx.addIssue({ code: 'custom', message: parsed });
        return z.NEVER;
      })
      .describe(
        'When set (not empty), the metrics exporter signs in to Application Insights with Microsoft Entra ID: ' +
          '"Authorization=AAD" (system-assigned identity) or "Authorization=AAD;ClientId=<guid>" (user-assigned)',
      ),
    ServiceBus__adminEndpoint: z
      .string()
      .optional()
      .transform((text) => text?.trim() || undefined)
      .describe(
        'Local broker only: http endpoint of its management API (e.g. http://127.0.0.1:5300), for backlog counts',
      ),
    COSMOS_SYNC_LOG_LEVEL: z
      .enum(['debug', 'info', 'warn', 'error'])
      .default('info')
      .describe('Lowest log level written'),
  });
  return schema.superRefine((settings, ctx) => {
    // The claim container's lifecycle policy deletes everything in it after the retention: quarantined documents too.
    if (settings.COSMOS_SYNC_CLAIM_CONTAINER === settings.COSMOS_SYNC_QUARANTINE_CONTAINER) {
      ctx.addIssue({
        code: 'custom',
        path: ['COSMOS_SYNC_CLAIM_CONTAINER'],
        message:
          'must differ from COSMOS_SYNC_QUARANTINE_CONTAINER: claim blobs expire, quarantined documents must not',
      });
    }
  });
}

export const settingsSchema = settingsSchemaFor(TARGET_TYPES);

export type Settings = z.infer<typeof settingsSchema>;

/** Every setting name the schema reads, for docs and for the test that the sample settings cover them all. */
export const SETTING_NAMES = Object.keys(settingsSchema.shape) as (keyof Settings)[];
