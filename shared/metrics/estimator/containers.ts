/**
 * The containers one source's estimate reads: the monitored container (its and its database's `_rid` are part of every
 * lease id and of the SDK's continuation) and the lease container, through the app's shared Cosmos clients.
 */
import type { Container } from '@azure/cosmos';
import { cosmosClientFor, parseCosmosConnectionString } from '../../clients/cosmos.js';
import type { ResolvedConnection } from '../../config/connections.js';
import type { SourceConfig } from '../../config/schema.js';
import { leaseStorePrefix } from '../../leases/lease-documents.js';
import { leaseLocationOf } from '../../leases/location.js';
import { EstimatorError, cosmosStatusOf, estimatorErrorFrom } from './errors.js';

export interface Rids {
  databaseRid: string;
  containerRid: string;
}

/**
 * `_rid`s per monitored container, read once and reused: they never change while the container exists. A failed read
 * is not kept, and callers drop an entry when an estimate suggests the container was recreated under the same name.
 */
export class RidCache {
  readonly #entries = new Map<string, Promise<Rids>>();

  get(key: string, read: () => Promise<Rids>): Promise<Rids> {
    let entry = this.#entries.get(key);
    if (!entry) {
      entry = read();
      this.#entries.set(key, entry);
      entry.catch(() => this.#entries.delete(key));
    }
    return entry;
  }

  forget(key: string): void {
    this.#entries.delete(key);
  }
}

export interface SourceContainers {
  monitored: Container;
  leases: Container;
  /** The lease-id prefix of this source's processor: `<leasePrefix><host>_<database rid>_<container rid>`. */
  storePrefix: string;
  leasePrefix: string;
  containerRid: string;
  /** Key of the monitored container's entry in the rid cache. */
  ridKey: string;
}

function connectionOf(connections: ReadonlyMap<string, ResolvedConnection>, name: string): ResolvedConnection {
  const connection = connections.get(name);
  if (!connection) {
    throw new EstimatorError('ESTIMATOR_CONNECTION_MISSING', `connection ${name} was not resolved at start-up`, false);
  }
  return connection;
}

/** The monitored account's endpoint; lease ids carry its hostname (see leaseStorePrefix). */
function accountEndpoint(connection: ResolvedConnection): string {
  return connection.kind === 'identity'
    ? connection.endpoint
    : parseCosmosConnectionString(connection.connectionString, connection.setting).endpoint;
}

async function readRids(monitored: Container, source: SourceConfig): Promise<Rids> {
  const what = `read container ${source.database}/${source.container}`;
  let found: [string | undefined, string | undefined];
  try {
    const [{ resource: container }, { resource: database }] = await Promise.all([
      monitored.read(),
      monitored.database.read(),
    ]);
    found = [database?._rid, container?._rid];
  } catch (error) {
    if (cosmosStatusOf(error) !== 404) throw estimatorErrorFrom('ESTIMATOR_CONTAINER_UNREADABLE', what, error);
    found = [undefined, undefined];
  }
  const [databaseRid, containerRid] = found;
  // Missing is not something a retry fixes: the source is misconfigured or the container was deleted.
  if (!databaseRid || !containerRid) {
    throw new EstimatorError('ESTIMATOR_CONTAINER_UNREADABLE', `${what} failed: not found`, false);
  }
  return { databaseRid, containerRid };
}

export async function sourceContainers(
  connections: ReadonlyMap<string, ResolvedConnection>,
  source: SourceConfig,
  rids: RidCache,
): Promise<SourceContainers> {
  const location = leaseLocationOf(source);
  const connection = connectionOf(connections, location.connection);
  const leaseConnection = connectionOf(connections, location.leaseConnection);
  const monitored = cosmosClientFor(connection).database(source.database).container(source.container);
  const leases = cosmosClientFor(leaseConnection).database(location.leaseDatabase).container(location.leaseContainer);
  const ridKey = [connection.setting, source.database, source.container].join('\u0000');
  const { databaseRid, containerRid } = await rids.get(ridKey, () => readRids(monitored, source));
  return {
    monitored,
    leases,
    storePrefix: leaseStorePrefix(location.leasePrefix, accountEndpoint(connection), databaseRid, containerRid),
    leasePrefix: location.leasePrefix,
    containerRid,
    ridKey,
  };
}
