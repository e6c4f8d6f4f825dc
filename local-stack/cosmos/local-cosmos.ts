/**
 * A local Cosmos DB for tests and the local stack: @vercel/cosmosdb-server's in-memory engine behind a plain-HTTP
 * server that adds physical partitions (partition key ranges with their own LSNs, which can be split at runtime), a
 * real incremental change feed (LatestVersion and AllVersionsAndDeletes) per range, session tokens, conditional
 * writes, the 2 MB document limit and TTL. The unmodified @azure/cosmos SDK talks to it.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { CosmosClientOptions } from '@azure/cosmos';
import { useAzureSelfLinks } from './base-links.js';
import { createBaseAccount } from './base-server.js';
import { ContainerRegistry, type PhysicalPartitionsOption } from './container-registry.js';
import { splitContainerRange, type SplitRequest } from './partition-admin.js';
import { assertPartitionCount, type SplitResult } from './partition-layout.js';
import { routeRequest } from './request-router.js';
import { DEFAULT_TTL_SWEEP_INTERVAL_MS, startTtlSweeper } from './ttl-sweeper.js';

/** The Cosmos DB emulator's published, well-known key. This server accepts any key; clients still need one. */
export const LOCAL_COSMOS_KEY =
  'C2y6yDjf5/R+ob0N8A7Cgv30VRDJIWEHLM+4QDU5DE2nQ9nDuVTqobD4b8mGGyPMbIZnqyMsEcaGQy67XIw/Jw==';

const DEFAULT_MAX_DOCUMENT_BYTES = 2 * 1024 * 1024;

export interface LocalCosmosOptions {
  /** Loopback address to listen on; default 127.0.0.1. */
  host?: string;
  /** Default 0: a random free port. */
  port?: number;
  /** Documents larger than this are refused with 413; default 2 MiB, Azure's limit. */
  maxDocumentBytes?: number;
  /** How often expired documents are purged; default 1 s. */
  ttlSweepIntervalMs?: number;
  /**
   * Physical partitions (partition key ranges) of each new container, splitting the EPK space evenly: a number for
   * every container, or a function of the database and container ids. Default 1: one range "0" covering everything.
   */
  physicalPartitions?: PhysicalPartitionsOption;
}

export interface LocalCosmos {
  /** e.g. http://127.0.0.1:8081/ */
  endpoint: string;
  key: string;
  host: string;
  port: number;
  /**
   * Splits a partition key range in two, as the service does when a partition grows: requests naming the old range id
   * get 410 with substatus 1002 from then on, and SDKs re-read the ranges. Throws CosmosHttpError 404 for an unknown
   * container or range, 400 for a split point outside the range. Same as `POST /_local/.../pkranges/{id}/split`.
   */
  splitPartitionKeyRange(request: SplitRequest): SplitResult;
  /** Stops listening and closes every connection, keep-alive ones included. */
  close(): Promise<void>;
}

export async function startLocalCosmos(options: LocalCosmosOptions = {}): Promise<LocalCosmos> {
  const host = options.host ?? '127.0.0.1';
  const maxDocumentBytes = options.maxDocumentBytes ?? DEFAULT_MAX_DOCUMENT_BYTES;
  const server = createServer();
  const port = await listen(server, host, options.port ?? 0);
  useAzureSelfLinks();
  const account = createBaseAccount(host, port);
  if (typeof options.physicalPartitions === 'number') assertPartitionCount(options.physicalPartitions);
  const registry = new ContainerRegistry(account, options.physicalPartitions);
  server.on('request', (req, res) => {
    routeRequest({ account, registry, maxDocumentBytes }, req, res).catch((error: unknown) => {
      // routeRequest answers every failure itself; reaching here means the response could not even be written.
      console.error('local Cosmos DB: could not answer a request', error);
      res.destroy();
    });
  });
  const stopSweeper = startTtlSweeper(
    registry,
    maxDocumentBytes,
    options.ttlSweepIntervalMs ?? DEFAULT_TTL_SWEEP_INTERVAL_MS,
  );
  let closing: Promise<void> | undefined;
  return {
    endpoint: `http://${host}:${port}/`,
    key: LOCAL_COSMOS_KEY,
    host,
    port,
    splitPartitionKeyRange: (request) => splitContainerRange(registry, request),
    close: () => {
      closing ??= (async () => {
        stopSweeper();
        const closed = new Promise<void>((resolve, reject) =>
          server.close((error) => (error ? reject(error) : resolve())),
        );
        server.closeAllConnections();
        await closed;
      })();
      return closing;
    },
  };
}

function listen(server: Server, host: string, port: number): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** CosmosClient options for the local server: its endpoint and key, with endpoint discovery off. */
export function localCosmosClientOptions(local: Pick<LocalCosmos, 'endpoint' | 'key'>): CosmosClientOptions {
  return {
    endpoint: local.endpoint,
    key: local.key,
    connectionPolicy: { enableEndpointDiscovery: false },
  };
}
