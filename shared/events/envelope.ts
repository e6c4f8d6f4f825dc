/**
 * The versioned event envelope: the one message shape shared by the publisher (which builds it from a change-feed
 * item) and every subscriber (which validates it before applying). Changing a field's meaning needs a new
 * `schemaVersion`; subscribers reject versions they do not know instead of guessing.
 */
import { z } from 'zod';

export const EVENT_SCHEMA_VERSION = 1;

/** A partition key value: a single JSON scalar, or an array of them for hierarchical partition keys. */
const partitionKeyScalar = z.union([z.string(), z.number(), z.boolean(), z.null()]);
export const partitionKeyValueSchema = z.union([partitionKeyScalar, z.array(partitionKeyScalar).min(1).max(3)]);
export type PartitionKeyValue = z.infer<typeof partitionKeyValueSchema>;

export const eventSourceSchema = z.object({
  /** The source's configured name; also the subscription rule property `source`. */
  name: z.string().min(1),
  /** Host name of the Cosmos DB account the change came from. */
  account: z.string().min(1),
  database: z.string().min(1),
  container: z.string().min(1),
});
export type EventSource = z.infer<typeof eventSourceSchema>;

/** Source version of a change: `_lsn` orders changes of one document; `_ts` (seconds) breaks ties only. */
export const eventVersionSchema = z.object({
  lsn: z.number().int().nonnegative(),
  ts: z.number().int().nonnegative(),
});
export type EventVersion = z.infer<typeof eventVersionSchema>;

function isJsonObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const commonFields = {
  schemaVersion: z.literal(EVENT_SCHEMA_VERSION),
  /** Deterministic: the same change always gets the same id, so Service Bus duplicate detection drops re-sends. */
  eventId: z.string().min(1).max(128),
  correlationId: z.string().min(1).max(128),
  source: eventSourceSchema,
  documentId: z.string().min(1),
  partitionKey: partitionKeyValueSchema,
  version: eventVersionSchema,
  /** When the publisher read the change (ISO 8601); with `version.ts` it gives end-to-end lag. */
  publishedAt: z.iso.datetime(),
};

export const upsertEventSchema = z.object({
  ...commonFields,
  operation: z.literal('upsert'),
  /**
   * The document as Cosmos DB returned it, system properties included. Checked to be a JSON object but not copied key
   * by key (a record schema would rebuild every payload on every parse); targets read it, never change it.
   */
  payload: z.custom<Record<string, unknown>>(isJsonObject, { error: 'expected a JSON object' }),
});

export const deleteEventSchema = z.object({
  ...commonFields,
  operation: z.literal('delete'),
  /** `hard`: a real delete (all-versions mode); `ttl`: expired by TTL; `soft`: the soft-delete marker was set. */
  deleteKind: z.enum(['hard', 'ttl', 'soft']),
  payload: z.null(),
});

export const changeEventSchema = z.discriminatedUnion('operation', [upsertEventSchema, deleteEventSchema]);
export type UpsertEvent = z.infer<typeof upsertEventSchema>;
export type DeleteEvent = z.infer<typeof deleteEventSchema>;
export type ChangeEvent = z.infer<typeof changeEventSchema>;
export type Operation = ChangeEvent['operation'];

/** Orders two versions of the same document: negative when `a` is older, 0 when equal, positive when newer. */
export function compareVersions(a: EventVersion, b: EventVersion): number {
  return a.lsn !== b.lsn ? a.lsn - b.lsn : a.ts - b.ts;
}

/** The identity of a document across sources: what a target keys its rows by. */
export function documentKey(event: Pick<ChangeEvent, 'source' | 'documentId' | 'partitionKey'>): string {
  return JSON.stringify([event.source.name, event.partitionKey, event.documentId]);
}
