/**
 * The config fragment of a PostgreSQL target (one entry of COSMOS_SYNC_TARGETS). Names are checked here so a bad
 * schema, table or column stops the app at start-up with a message naming the field, not at the first batch.
 */
import { z } from 'zod';
import { targetCommonFields } from '../../config/target-common.js';
import { connectionNameSchema } from '../../config/connections.js';
import { strictEntry } from '../../config/strict-entry.js';
import { identifierProblem, MAX_TABLE_BYTES, RESERVED_COLUMNS } from './identifiers.js';

/** Column types a projection may use; each name is SQL text, so only this fixed list ever reaches a statement. */
export const PROJECTION_TYPES = [
  'text',
  'numeric',
  'bigint',
  'integer',
  'double precision',
  'boolean',
  'date',
  'timestamptz',
  'uuid',
  'jsonb',
] as const;
export type ProjectionType = (typeof PROJECTION_TYPES)[number];

/** zod puts the field's path before a message, so the "<field>: " the checks start with is left off here. */
const withoutField = (problem: string): string => problem.replace(/^\w+: /, '');

const checkedName = (field: string, maxBytes?: number) =>
  z.string().superRefine((value, ctx) => {
    const problem = identifierProblem(field, value, maxBytes);
    if (problem) ctx.addIssue({ code: 'custom', message: withoutField(problem) });
  });

export const projectionColumnSchema = strictEntry({
  column: checkedName('column')
    .refine((name) => name === name.toLowerCase(), {
      message: 'use lower case so readers need not quote the name',
    })
    .refine((name) => !(RESERVED_COLUMNS as readonly string[]).includes(name), {
      message: `the target owns ${RESERVED_COLUMNS.join(', ')}`,
    })
    .describe('Typed column to fill from the document'),
  path: z
    .string()
    .regex(/^[^.]+(\.[^.]+){0,15}$/, 'expected a dotted path such as "total" or "customer.address.zip"')
    .describe('Dotted path into the document; array elements by index, e.g. "lines.0.sku"'),
  type: z.enum(PROJECTION_TYPES).default('text').describe('PostgreSQL type of the column; the value is cast to it'),
});
export type ProjectionColumn = z.infer<typeof projectionColumnSchema>;

export const postgresTargetSchema = z.object({
  ...targetCommonFields,
  type: z.literal('postgres'),
  connection: connectionNameSchema
    .default('PostgresTarget')
    .describe('App setting holding a connection string such as postgres://user:password@host:5432/db'),
  schema: checkedName('schema').default('public').describe('Schema of the target tables'),
  table: z
    .string()
    .default('{source}')
    .superRefine((template, ctx) => {
      // Checked with the longest possible source name later; here the literal part must already be valid.
      const problem = identifierProblem('table', template.replaceAll('{source}', 's'), MAX_TABLE_BYTES);
      if (problem) ctx.addIssue({ code: 'custom', message: withoutField(problem) });
    })
    .describe('Table per source; "{source}" is replaced by the source name. A view "<table>_live" hides deletes'),
  columns: z
    .array(projectionColumnSchema)
    .max(100)
    .default([])
    .superRefine((columns, ctx) => {
      const seen = new Set<string>();
      for (const { column } of columns) {
        if (seen.has(column)) ctx.addIssue({ code: 'custom', message: `"${column}" is listed twice` });
        seen.add(column);
      }
    })
    .describe('Typed columns extracted from each document in the same statement (a bad value rejects the event)'),
  createTableIfNotExists: z
    .boolean()
    .default(true)
    .describe('Create the schema, tables, projection columns and views at start-up when missing'),
  poolSize: z.number().int().min(1).max(100).default(4).describe('Connections in the per-process pool'),
  connectTimeoutMs: z.number().int().min(100).max(60_000).default(5_000).describe('Connect timeout'),
  statementTimeoutMs: z
    .number()
    .int()
    .min(1_000)
    .max(600_000)
    .default(30_000)
    .describe('Server-side statement timeout; the client gives up 5 s later'),
  maxStatementBytes: z
    .number()
    .int()
    .min(1024 * 1024)
    .max(512 * 1024 * 1024)
    .default(64 * 1024 * 1024)
    .describe('A batch whose documents exceed this is split over several statements (parameters cap at 1 GB)'),
});
export type PostgresTargetConfig = z.infer<typeof postgresTargetSchema>;
