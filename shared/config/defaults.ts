/**
 * Source defaults that depend on a connection's kind, resolved once by parseConfig so the rest of the app sees plain
 * values (a target's live in its descriptor's `resolve`).
 *
 * With an identity, Cosmos DB data-plane RBAC cannot create databases or containers (that is a control-plane
 * operation), so whatever the app or the trigger would create must already exist: creating is on by default only for
 * a connection string, and asking for it with an identity is a start-up problem rather than a 403 at run time.
 */
import type { ResolvedConnection } from './connections.js';
import type { ParsedSourceConfig, SourceConfig } from './schema.js';

type Connections = ReadonlyMap<string, ResolvedConnection>;

export interface Resolved<T> {
  value: T;
  problems: string[];
}

/**
 * The effective "create when missing" switch: the explicit value, else true for a connection string and false for an
 * identity. An unresolved connection (already reported) counts as a connection string, so no second problem appears.
 * Sources' lease containers use it here; the Cosmos DB target's check (targets/cosmos/config.ts) too.
 */
export function createSwitch(
  explicit: boolean | undefined,
  connection: ResolvedConnection | undefined,
  problem: (connection: string) => string,
): Resolved<boolean> {
  const identity = connection?.kind === 'identity';
  if (explicit === true && identity) return { value: true, problems: [problem(connection.setting)] };
  return { value: explicit ?? !identity, problems: [] };
}

export function resolveSource(
  source: ParsedSourceConfig,
  index: number,
  connections: Connections,
): Resolved<SourceConfig> {
  const leaseConnection = source.leaseConnection ?? source.connection;
  const leases = `${source.leaseDatabase ?? source.database}/${source.leaseContainer}`;
  const { value, problems } = createSwitch(
    source.createLeaseContainer,
    connections.get(leaseConnection),
    (setting) =>
      `COSMOS_SYNC_SOURCES[${index}].createLeaseContainer: true needs a connection string, but ${setting} is ` +
      `identity-based and Cosmos DB data-plane RBAC cannot create containers; create the lease container ${leases} ` +
      `(partition key /id) in your infrastructure and remove createLeaseContainer (or set it to false)`,
  );
  return { value: { ...source, createLeaseContainer: value }, problems };
}
