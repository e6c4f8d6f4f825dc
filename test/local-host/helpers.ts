/** Shared by the local host integration tests: fixture paths, captured log lines, Cosmos containers and leases. */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { CosmosClient, type Container } from '@azure/cosmos';
import type { HostLogLine } from '../../local-host/index.js';
import { startLocalCosmos, type LocalCosmos } from '../../local-stack/cosmos/local-cosmos.js';
import type { LeaseDocument } from '../../shared/leases/lease-documents.js';

export function fixture(name: string): string {
  return fileURLToPath(new URL(`../fixtures/local-host/${name}`, import.meta.url));
}

export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export interface CapturedLog {
  lines: HostLogLine[];
  sink: (line: HostLogLine) => void;
  events(event: string): HostLogLine[];
}

/** Keeps every line; prints errors so a failing test shows why. Set LOCAL_HOST_TEST_LOG=1 to print everything. */
export function captureLog(): CapturedLog {
  const lines: HostLogLine[] = [];
  return {
    lines,
    sink: (line) => {
      lines.push(line);
      if (process.env['LOCAL_HOST_TEST_LOG']) console.log(JSON.stringify(line));
    },
    events: (event) => lines.filter((line) => line['event'] === event),
  };
}

export function cosmosClient(endpoint: string, key: string): CosmosClient {
  return new CosmosClient({ endpoint, key, connectionPolicy: { enableEndpointDiscovery: false } });
}

export async function newContainer(client: CosmosClient, databaseId: string, prefix: string): Promise<Container> {
  const { database } = await client.databases.createIfNotExists({ id: databaseId });
  const { container } = await database.containers.create({ id: uniqueName(prefix), partitionKey: { paths: ['/pk'] } });
  return container;
}

/** Every lease of one processor prefix (lease documents only, not .info/.lock). */
export async function leasesOf(leases: Container, prefix: string): Promise<LeaseDocument[]> {
  const { resources } = await leases.items
    .query<LeaseDocument>({
      query: 'SELECT * FROM c WHERE STARTSWITH(c.id, @p)',
      parameters: [{ name: '@p', value: prefix }],
    })
    .fetchAll();
  return resources.filter((lease) => lease.id.includes('..'));
}

export function ids(batch: unknown): string[] {
  return (batch as { id: string }[]).map((document) => document.id);
}

/** A local Cosmos DB for the lease fixture (cosmos-lease-fixture.ts): `monitored-*` containers have several ranges. */
export interface RangedCosmos {
  cosmos: LocalCosmos;
  client: CosmosClient;
  database: string;
  /** The lease container, one range. */
  leases: Container;
  /** A new monitored container, its lease prefix, and the settings the lease fixture reads to watch it. */
  monitored(): Promise<{ container: Container; prefix: string; settings: Record<string, string> }>;
  close(): Promise<void>;
}

export async function startRangedCosmos(databasePrefix: string, ranges: number): Promise<RangedCosmos> {
  const cosmos = await startLocalCosmos({
    physicalPartitions: ({ containerId }) => (containerId.startsWith('monitored') ? ranges : 1),
  });
  const client = cosmosClient(cosmos.endpoint, cosmos.key);
  const database = uniqueName(databasePrefix);
  const { database: db } = await client.databases.createIfNotExists({ id: database });
  const { container: leases } = await db.containers.create({ id: 'leases', partitionKey: { paths: ['/id'] } });
  return {
    cosmos,
    client,
    database,
    leases,
    monitored: async () => {
      const { container } = await db.containers.create({
        id: uniqueName('monitored'),
        partitionKey: { paths: ['/pk'] },
      });
      const [{ resource: coll }, { resource: dbRead }] = await Promise.all([container.read(), db.read()]);
      return {
        container,
        // The fixture's processor: prefix "balance-", account 127.0.0.1.
        prefix: `balance-127.0.0.1_${dbRead?._rid ?? ''}_${coll?._rid ?? ''}..`,
        settings: {
          LH_COSMOS: `AccountEndpoint=${cosmos.endpoint};AccountKey=${cosmos.key};`,
          LH_DB: database,
          LH_LEASES: leases.id,
          LH_LEASE_TEST_CONTAINER: container.id,
        },
      };
    },
    close: async () => {
      client.dispose();
      await cosmos.close();
    },
  };
}
