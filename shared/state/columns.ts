/**
 * Column helpers shared by the state and metrics tables: safe keys, typed numbers, JSON columns and readable
 * validation messages.
 */
import type { Edm } from '@azure/data-tables';
import { z } from 'zod';
import { ENQUEUE_LAG_BUCKET_COUNT, LAG_BUCKET_COUNT } from './histogram.js';
import { messageOf } from '../errors.js';

/**
 * PartitionKey and RowKey may not contain / \ # ? or control characters. Target names are already restricted by the
 * configuration, session ids are not, so both are escaped (%XX, with % itself escaped to stay reversible).
 */
// eslint-disable-next-line no-control-regex -- control characters are exactly what the table service forbids
const FORBIDDEN_IN_KEYS = /[%/\\#?\u0000-\u001f\u007f-\u009f]/g;

export function tableKey(value: string): string {
  return value.replace(
    FORBIDDEN_IN_KEYS,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  );
}

/** The inverse of `tableKey`. */
export function fromTableKey(key: string): string {
  return key.replace(/%([0-9A-F]{2})/g, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/**
 * Counters are written as Edm.Double: an unannotated whole number is stored as Int32, which a busy target outgrows
 * in weeks, while Int64 would come back as bigint. Doubles hold whole numbers exactly up to 2^53.
 */
export const double = (value: number): Edm<'Double'> => ({ value, type: 'Double' });

/** A string column holding JSON, parsed and then validated by `schema`; bad JSON becomes an issue naming the column. */
export function jsonColumn<T extends z.ZodType>(schema: T) {
  return z
    .string()
    .transform((text, ctx) => {
      try {
        return JSON.parse(text) as unknown;
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: `not valid JSON (${messageOf(error)})` });
        return z.NEVER;
      }
    })
    .pipe(schema);
}

export const countSchema = z.number().int().nonnegative();
export const countsByCodeSchema = z.record(z.string(), countSchema);
export const lagBucketsSchema = z.array(countSchema).length(LAG_BUCKET_COUNT);
export const enqueueLagBucketsSchema = z.array(countSchema).length(ENQUEUE_LAG_BUCKET_COUNT);
export const errorClassSchema = z.enum(['transient', 'permanent']);

/** One line naming every bad column, e.g. `errorsByCode: not valid JSON (...); lagSum: expected number`. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((issue) => `${issue.path.map(String).join('.') || '(row)'}: ${issue.message}`).join('; ');
}
