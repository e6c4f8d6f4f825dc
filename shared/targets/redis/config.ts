/**
 * The config fragment of a Redis target (one entry of COSMOS_SYNC_TARGETS). The key template is checked here, so a
 * template that could map two documents to one key stops the app at start-up with a message naming the field.
 */
import { z } from 'zod';
import { targetCommonFields } from '../../config/target-common.js';
import { connectionNameSchema } from '../../config/connections.js';
import { keyTemplateProblem } from './keys.js';

/** Redis's default `proto-max-bulk-len`: the largest single argument (a JSON value) a server accepts. */
export const DEFAULT_MAX_VALUE_BYTES = 512 * 1024 * 1024;

export const redisTargetSchema = z.object({
  ...targetCommonFields,
  type: z.literal('redis'),
  connection: connectionNameSchema
    .default('RedisTarget')
    .describe('App setting holding a redis:// or rediss:// URL, e.g. rediss://:password@host:6380/0'),
  keyTemplate: z
    .string()
    .default('{source}:{partitionKey}:{id}')
    .superRefine((template, ctx) => {
      const problem = keyTemplateProblem(template);
      // zod puts the path (keyTemplate) before the message, so the check's own field prefix is left off.
      if (problem) ctx.addIssue({ code: 'custom', message: problem.replace(/^keyTemplate: /, '') });
    })
    .describe('Key of a document; {source}, {partitionKey} and {id} (required) each fill a whole ":" segment'),
  format: z
    .enum(['json', 'hash'])
    .default('json')
    .describe('json: the document as a JSON string (version in "<key>:_sync"); hash: one field per top-level field'),
  ttlSeconds: z.number().int().min(1).optional().describe('Expiry of live values (and their version); default none'),
  tombstoneTtlSeconds: z
    .number()
    .int()
    .min(60)
    .default(7 * 24 * 3600)
    .describe('How long a delete is remembered; an older update arriving later than this could bring a key back'),
  connectTimeoutMs: z
    .number()
    .int()
    .min(100)
    .max(60_000)
    .default(5_000)
    .describe('Connect timeout; also the longest a batch waits for a reconnect'),
  commandTimeoutMs: z.number().int().min(100).max(120_000).default(10_000).describe('Reply timeout of a batch'),
  maxValueBytes: z
    .number()
    .int()
    .min(1024)
    .max(DEFAULT_MAX_VALUE_BYTES)
    .default(DEFAULT_MAX_VALUE_BYTES)
    .describe("Largest value written; set to the server's proto-max-bulk-len if it was lowered"),
});
export type RedisTargetConfig = z.infer<typeof redisTargetSchema>;
