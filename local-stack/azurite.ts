/**
 * Azurite (blob, queue, table) for the local stack, run inside this process: random free ports and in-memory data for
 * tests, fixed ports and an optional data folder for the `npm run stack` launcher. API versions are not checked
 * (`--skipApiVersionCheck`), so newer SDKs keep working against this Azurite release.
 */

import { mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { closeAzuriteServer, startAzuriteServers } from './azurite/lifecycle.js';
import {
  createBlobServer,
  createMemoryStore,
  createQueueServer,
  createTableServer,
  type StorageServerSettings,
} from './azurite/azurite-servers.js';

export interface AzuriteOptions {
  /** Interface to listen on. Default 127.0.0.1. */
  host?: string;
  /** 0 (the default) picks a free port; the launcher passes Azurite's usual 10000, 10001 and 10002. */
  blobPort?: number;
  queuePort?: number;
  tablePort?: number;
  /** Folder for Azurite's data, created if missing and kept on close. Default: in memory, gone on close. */
  location?: string;
  /** No access log on stdout. Default false, as with the Azurite CLI. */
  silent?: boolean;
}

export interface LocalAzurite {
  /** Connection string with explicit endpoints for all three services; works with every Azure Storage SDK. */
  connectionString: string;
  blobEndpoint: string;
  queueEndpoint: string;
  tableEndpoint: string;
  /** Stops all three services and waits until their ports are released. Safe to call more than once. */
  close(): Promise<void>;
}

/** Azurite's single built-in account; the key is public, published in the Azurite documentation. */
export const AZURITE_ACCOUNT_NAME = 'devstoreaccount1';
export const AZURITE_ACCOUNT_KEY =
  'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export async function startAzurite(options: AzuriteOptions = {}): Promise<LocalAzurite> {
  assertWellKnownAccountServed();
  const host = options.host ?? '127.0.0.1';
  const location = options.location === undefined ? undefined : resolve(options.location);
  if (location !== undefined) {
    await mkdir(location, { recursive: true });
  }
  const shared: Omit<StorageServerSettings, 'port'> = {
    host,
    accessLog: !(options.silent ?? false),
    location,
    memoryStore: location === undefined ? createMemoryStore() : undefined,
  };
  const ports = await startAzuriteServers(host, {
    blob: createBlobServer({ ...shared, port: options.blobPort ?? 0 }),
    queue: createQueueServer({ ...shared, port: options.queuePort ?? 0 }),
    table: createTableServer({ ...shared, port: options.tablePort ?? 0 }),
  });

  const base = `http://${hostForUrl(host)}`;
  const blobEndpoint = `${base}:${ports.blob.port}/${AZURITE_ACCOUNT_NAME}`;
  const queueEndpoint = `${base}:${ports.queue.port}/${AZURITE_ACCOUNT_NAME}`;
  const tableEndpoint = `${base}:${ports.table.port}/${AZURITE_ACCOUNT_NAME}`;
  let closing: Promise<void> | undefined;
  return {
    connectionString:
      `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT_NAME};AccountKey=${AZURITE_ACCOUNT_KEY};` +
      `BlobEndpoint=${blobEndpoint};QueueEndpoint=${queueEndpoint};TableEndpoint=${tableEndpoint};`,
    blobEndpoint,
    queueEndpoint,
    tableEndpoint,
    close: () => (closing ??= closeAll([ports.blob.server, ports.queue.server, ports.table.server])),
  };
}

async function closeAll(servers: Parameters<typeof closeAzuriteServer>[0][]): Promise<void> {
  const results = await Promise.allSettled(servers.map(closeAzuriteServer));
  const failures = results.flatMap((result) => (result.status === 'rejected' ? [result.reason] : []));
  if (failures.length > 0) {
    throw new AggregateError(failures, `azurite: ${failures.length} service(s) failed to stop`);
  }
}

/**
 * Azurite replaces its built-in account with the ones listed in AZURITE_ACCOUNTS, and running in-process it reads this
 * process's environment: the connection string returned here would then fail to authenticate, far from the cause.
 */
function assertWellKnownAccountServed(): void {
  const accounts = process.env['AZURITE_ACCOUNTS']?.trim();
  const wellKnown = `${AZURITE_ACCOUNT_NAME}:${AZURITE_ACCOUNT_KEY}`;
  if (accounts && !accounts.split(';').some((entry) => entry.trim().startsWith(wellKnown))) {
    throw new Error(
      `azurite: AZURITE_ACCOUNTS is set and does not list ${AZURITE_ACCOUNT_NAME} with its well-known key, so the ` +
        'local stack could not authenticate against its own Azurite. Unset AZURITE_ACCOUNTS for the local stack.',
    );
  }
}

/** A wildcard listen address is not something a client can connect to; IPv6 literals need brackets in a URL. */
function hostForUrl(host: string): string {
  if (host === '0.0.0.0') return '127.0.0.1';
  if (host === '::') return '[::1]';
  return host.includes(':') ? `[${host}]` : host;
}
