/**
 * Every target type, one entry each. Adding a target: its folder under shared/targets/ (config.ts with the entry's
 * schema, index.ts with the Target, descriptor.ts tying them together) and one entry here; the configuration schema,
 * the connection lookup and the registry follow from this list.
 */
import { z } from 'zod';
import { blobTarget } from './blob/descriptor.js';
import { cosmosTarget } from './cosmos/descriptor.js';
import { strictEntryOf } from '../config/strict-entry.js';
import type { TargetDescriptor } from './descriptor.js';
import { postgresTarget } from './postgres/descriptor.js';
import { redisTarget } from './redis/descriptor.js';
import { webhookTarget } from './webhook/descriptor.js';

export const TARGET_TYPES = [cosmosTarget, postgresTarget, redisTarget, blobTarget, webhookTarget] as const;

type EntrySchemas<Types extends readonly TargetDescriptor[]> = {
  -readonly [K in keyof Types]: Types[K]['configSchema'];
};

/**
 * The schema of one COSMOS_SYNC_TARGETS entry for a list of types: a union discriminated by `type`. Every entry is
 * made strict here rather than in each fragment, so a misspelt field of any type (a test's own included) stops the app
 * naming the key instead of being dropped.
 */
export function targetSchemaFor<Types extends readonly [TargetDescriptor, ...TargetDescriptor[]]>(types: Types) {
  const schemas = types.map((descriptor) => strictEntryOf(descriptor.configSchema)) as unknown as EntrySchemas<Types>;
  return z.discriminatedUnion('type', schemas);
}

export const targetSchema = targetSchemaFor(TARGET_TYPES);

/** The descriptor of a type in a list; parseConfig has checked every entry's type against the same list. */
export function descriptorOf(types: readonly TargetDescriptor[], type: string): TargetDescriptor {
  const descriptor = types.find((candidate) => candidate.type === type);
  if (!descriptor) throw new Error(`no target type "${type}" (known: ${types.map((d) => d.type).join(', ')})`);
  return descriptor;
}
