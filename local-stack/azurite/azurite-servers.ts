/**
 * The only file that reaches into Azurite's internals. Azurite publishes no programmatic API, but its CLI is a thin
 * shell around the BlobServer/QueueServer/TableServer classes in `dist/src`; building them here runs Azurite in this
 * process, with no child to leave behind and no stdout to parse for the ports. The constructors take long positional
 * argument lists, so every call below names each argument. Checked against azurite 3.35.0.
 */

import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const requireAzurite = createRequire(import.meta.url);

/** What this wrapper uses of Azurite's `ServerBase`. */
export interface AzuriteServer {
  start(): Promise<void>;
  /** Stops accepting requests and closes the stores; does not wait for the listening socket to be released. */
  close(): Promise<void>;
  /** The node http server underneath (wrapped by the `stoppable` package). */
  readonly httpServer: Server;
}

export interface StorageServerSettings {
  host: string;
  port: number;
  accessLog: boolean;
  /** Folder for the databases and blob/queue data; undefined keeps everything in memory. */
  location: string | undefined;
  /** Extent chunk store shared by blob and queue when in memory (as the Azurite CLI does); see `createMemoryStore`. */
  memoryStore: unknown;
}

type AnyConstructor = new (...args: unknown[]) => unknown;

// Azurite's own defaults for these files and folders, so a folder written by the Azurite CLI can be reused.
const BLOB_DB = '__azurite_db_blob__.json';
const BLOB_EXTENT_DB = '__azurite_db_blob_extent__.json';
const BLOB_DATA = '__blobstorage__';
const QUEUE_DB = '__azurite_db_queue__.json';
const QUEUE_EXTENT_DB = '__azurite_db_queue_extent__.json';
const QUEUE_DATA = '__queuestorage__';
const TABLE_DB = '__azurite_db_table__.json';

/** One in-memory extent store per local stack, so parallel stacks in one process do not share a memory budget. */
export function createMemoryStore(): unknown {
  const memoryModule = loadModule('azurite/dist/src/common/persistence/MemoryExtentStore.js');
  const ChunkStore = exportedConstructor(memoryModule, 'MemoryExtentChunkStore');
  const limit = memoryModule['DEFAULT_EXTENT_MEMORY_LIMIT'];
  return new ChunkStore(typeof limit === 'number' ? limit : undefined);
}

/** Blob and queue servers take the same configuration, extent store included; only names and sizes differ. */
function createExtentServer(
  settings: StorageServerSettings,
  kind: {
    folder: 'blob' | 'queue';
    className: string;
    db: string;
    extentDb: string;
    data: string;
    persistenceMb: number;
  },
): AzuriteServer {
  const Configuration = defaultExport(
    `azurite/dist/src/${kind.folder}/${kind.className.replace('Server', 'Configuration')}.js`,
  );
  const Server = defaultExport(`azurite/dist/src/${kind.folder}/${kind.className}.js`);
  const files = databaseFiles(settings.location, kind.db, kind.extentDb);
  // prettier-ignore
  const configuration = new Configuration(
    settings.host, settings.port, /* keepAliveTimeout */ undefined,
    files.metadata, files.extents, persistenceLocations(settings.location, kind.data, kind.persistenceMb),
    /* enableAccessLog */ settings.accessLog, /* accessLogWriteStream */ undefined,
    /* enableDebugLog */ false, /* debugLogFilePath */ undefined,
    /* loose */ false, /* skipApiVersionCheck */ true,
    /* cert */ '', /* key */ '', /* pwd */ '', /* oauth */ undefined, /* disableProductStyleUrl */ false,
    /* isMemoryPersistence */ settings.location === undefined, settings.memoryStore,
  );
  return asAzuriteServer(new Server(configuration), kind.className);
}

export function createBlobServer(settings: StorageServerSettings): AzuriteServer {
  return createExtentServer(settings, {
    folder: 'blob',
    className: 'BlobServer',
    db: BLOB_DB,
    extentDb: BLOB_EXTENT_DB,
    data: BLOB_DATA,
    persistenceMb: 50,
  });
}

export function createQueueServer(settings: StorageServerSettings): AzuriteServer {
  return createExtentServer(settings, {
    folder: 'queue',
    className: 'QueueServer',
    db: QUEUE_DB,
    extentDb: QUEUE_EXTENT_DB,
    data: QUEUE_DATA,
    persistenceMb: 1,
  });
}

export function createTableServer(settings: StorageServerSettings): AzuriteServer {
  const Configuration = defaultExport('azurite/dist/src/table/TableConfiguration.js');
  const Server = defaultExport('azurite/dist/src/table/TableServer.js');
  const files = databaseFiles(settings.location, TABLE_DB, TABLE_DB);
  // Note the order differs from blob/queue: debug log before access log, and no extent store.
  // prettier-ignore
  const configuration = new Configuration(
    settings.host, settings.port, /* keepAliveTimeout */ undefined, files.metadata,
    /* enableDebugLog */ false, /* enableAccessLog */ settings.accessLog, /* accessLogWriteStream */ undefined,
    /* debugLogFilePath */ undefined, /* loose */ false, /* skipApiVersionCheck */ true,
    /* cert */ '', /* key */ '', /* pwd */ '', /* oauth */ undefined, /* disableProductStyleUrl */ false,
    /* isMemoryPersistence */ settings.location === undefined,
  );
  return asAzuriteServer(new Server(configuration), 'TableServer');
}

/**
 * In memory, Azurite still takes database paths (LokiJS names its in-memory databases by them) and loads a file if
 * one exists there; paths in a folder that is never created guarantee a fresh, empty store.
 */
function databaseFiles(location: string | undefined, metadata: string, extents: string) {
  const folder = location ?? join(tmpdir(), `azurite-in-memory-${randomUUID()}`);
  return { metadata: join(folder, metadata), extents: join(folder, extents) };
}

function persistenceLocations(location: string | undefined, folder: string, maxConcurrency: number) {
  // Unused in memory; Azurite still expects the array.
  return [{ locationId: 'Default', locationPath: join(location ?? '.', folder), maxConcurrency }];
}

function loadModule(path: string): Record<string, unknown> {
  const loaded: unknown = requireAzurite(path);
  if (typeof loaded !== 'object' || loaded === null) {
    throw new Error(`azurite: '${path}' did not load as a module; is azurite 3.35 installed?`);
  }
  return loaded as Record<string, unknown>;
}

function defaultExport(path: string): AnyConstructor {
  return exportedConstructor(loadModule(path), 'default', path);
}

function exportedConstructor(module: Record<string, unknown>, name: string, path = name): AnyConstructor {
  const value = module[name];
  if (typeof value !== 'function') {
    throw new Error(`azurite: '${path}' has no constructor '${name}'; the wrapper was written for azurite 3.35.`);
  }
  return value as AnyConstructor;
}

/**
 * A service whose listen() failed has already opened its stores (and, on disk, LokiJS's autosave interval, which would
 * keep the process alive). Azurite's own afterClose() hook releases them; close() refuses to run in that state.
 */
export async function releaseAfterFailedStart(server: AzuriteServer): Promise<void> {
  const hooks = server as unknown as { afterClose?: () => Promise<void> };
  await hooks.afterClose?.call(server);
}

function asAzuriteServer(server: unknown, name: string): AzuriteServer {
  const candidate = server as Partial<AzuriteServer>;
  if (typeof candidate.start !== 'function' || typeof candidate.close !== 'function' || !candidate.httpServer) {
    throw new Error(`azurite: ${name} no longer has start(), close() and httpServer; check the azurite version.`);
  }
  return server as AzuriteServer;
}
