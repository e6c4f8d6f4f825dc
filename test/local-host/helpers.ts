/** Shared by the local host integration tests: fixture paths, captured log lines, Cosmos containers and leases. */
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { CosmosClient, type Container } from '@azure/cosmos';
import type { HostLogLine } from '../../local-host/index.js';
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
