/**
 * A target type, self-contained in its folder: the schema of its COSMOS_SYNC_TARGETS entry, the kind of connection it
 * names, what it checks at start-up beyond the schema, and how it is built. The catalog (catalog.ts) lists every type;
 * the configuration schema, the connection lookup and the registry are all built from that list, so a new target is
 * its folder plus one entry there. The lifecycle of the target it builds is on `Target` (target.ts).
 */
import type { z } from 'zod';
import type { ConnectionService, Env, ResolvedConnection } from '../config/connections.js';
import type { ResolvedStorageConnection, StorageService } from '../config/storage.js';
import type { Target } from './target.js';

/** What start-up checks may read: the app settings and every connection, resolved. */
export interface TargetCheckContext {
  /** The entry's position in COSMOS_SYNC_TARGETS, for messages (`COSMOS_SYNC_TARGETS[2].field: ...`). */
  index: number;
  env: Env;
  connections: ReadonlyMap<string, ResolvedConnection>;
}

/** What building a target may use; parseConfig has resolved every connection an entry names. */
export interface TargetBuildContext {
  connection(name: string): ResolvedConnection;
  storageConnection(name: string): ResolvedStorageConnection;
  env: Env;
}

/** The fields the catalog relies on in every entry schema. */
type EntryShape = { type: z.ZodLiteral<string>; name: z.ZodType<string> };

export interface TargetDescriptor<Schema extends z.ZodObject<EntryShape> = z.ZodObject<EntryShape>> {
  readonly type: z.infer<Schema>['type'];
  /** The entry: `{ ...targetCommonFields, type: z.literal('<type>'), ... }`, every field described. */
  readonly configSchema: Schema;
  /** The kind of connection the entry's `connection` field names, when it has one. */
  readonly connection?: { service: ConnectionService | StorageService; of(config: z.infer<Schema>): string };
  /**
   * Start-up checks the schema cannot make (a setting the entry names, a default that depends on the connection's
   * kind); returns the entry with such defaults filled in, and every problem, each naming its setting.
   */
  resolve?(config: z.infer<Schema>, context: TargetCheckContext): { value: z.infer<Schema>; problems: string[] };
  create(config: z.infer<Schema>, context: TargetBuildContext): Target;
}

/** Keeps a descriptor's schema type, so the catalog can build a typed union of every entry. */
export function defineTarget<Schema extends z.ZodObject<EntryShape>>(
  descriptor: TargetDescriptor<Schema>,
): TargetDescriptor<Schema> {
  return descriptor;
}
