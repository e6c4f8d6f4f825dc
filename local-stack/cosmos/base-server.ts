/**
 * Typed facade over @vercel/cosmosdb-server's internals (pinned at 1.0.1): its in-memory account, its query engine and
 * its route table (base-patch.ts does the same for its patch implementation, base-links.ts for its `_self` links and
 * `_rid` lookups). The package's own types are mostly `any`; only these three files touch them, so the rest of the
 * local Cosmos DB sees plain, checked shapes.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import accountModule from '@vercel/cosmosdb-server/lib/account/index.js';
import routesModule from '@vercel/cosmosdb-server/lib/routes.js';
import { badRequest, conflict } from './errors.js';

export type JsonObject = Record<string, unknown>;

/** A document as the base server stores it: the client's JSON plus the system properties it assigns. */
export type StoredDocument = JsonObject & { id: string; _rid: string; _self: string; _etag: string; _ts: number };

/**
 * Node hands an ES module importer a CommonJS module's whole `exports` object as its default export, while vitest
 * unwraps modules marked `__esModule` one level further; accept both so this runs under tsx, node and vitest.
 */
export function commonJsDefault<T>(imported: { default: T } | T): T {
  if ((typeof imported === 'object' || typeof imported === 'function') && imported !== null && 'default' in imported) {
    return imported.default;
  }
  return imported as T;
}

const Account = commonJsDefault<typeof accountModule.default>(accountModule);
const findRoute = commonJsDefault<typeof routesModule.default>(routesModule);

type BaseAccountInstance = InstanceType<typeof Account>;
export type BaseCollectionInstance = ReturnType<ReturnType<BaseAccountInstance['database']>['collection']>;

export interface ContainerDefinition {
  id: string;
  _rid: string;
  /** `kind` (Hash or MultiHash) and `version` (1 or 2) choose the EPK hashing (epk-hash.ts). */
  partitionKey?: { paths?: string[]; kind?: string; version?: number };
  defaultTtl?: number;
}

/** The storage operations the write path needs; errors come out as CosmosHttpError. */
export interface BaseDocuments {
  find(id: string, firstPartitionKeyValue: unknown): StoredDocument | undefined;
  create(candidate: JsonObject): StoredDocument;
  replace(candidate: JsonObject, original: StoredDocument): StoredDocument;
  remove(id: string, firstPartitionKeyValue: unknown): void;
  /** Puts back an exact earlier version (same _rid and _etag), used to roll back a failed transactional batch. */
  restore(document: StoredDocument): void;
  /** Every stored document, in the order the base server's own queries see them. */
  all(): StoredDocument[];
  /** Runs a SQL query over the given documents only, with the base server's query engine (and its paging). */
  queryOver(documents: JsonObject[], query: SqlQuery, paging?: QueryPaging): QueryPage;
}

export interface SqlQuery {
  query: string;
  parameters?: { name: string; value: unknown }[];
}

export interface QueryPaging {
  maxItemCount?: number | undefined;
  /** The engine's own continuation object, as it returned it for the previous page. */
  continuation?: unknown;
}

export interface QueryPage {
  result: unknown[];
  continuation?: unknown;
}

export interface BaseContainer {
  definition: ContainerDefinition;
  documents: BaseDocuments;
}

export type BaseAccount = BaseAccountInstance;

/** The base account advertises https:// locations; this server speaks plain http, so rewrite them. */
export function createBaseAccount(host: string, port: number): BaseAccount {
  const account = new Account(host, port);
  const endpoint = `http://${host}:${port}/`;
  const metadata = account.read();
  metadata.writableLocations = [{ name: 'South Central US', databaseAccountEndpoint: endpoint }];
  metadata.readableLocations = [{ name: 'South Central US', databaseAccountEndpoint: endpoint }];
  return account;
}

export function findContainer(
  account: BaseAccount,
  databaseId: string,
  containerId: string,
): BaseContainer | undefined {
  const database = account.database(databaseId);
  if (!database.read()) return undefined;
  const collection = database.collection(containerId);
  const definition: ContainerDefinition | undefined = collection.read();
  if (!definition) return undefined;
  return { definition, documents: documentsOf(collection) };
}

function documentsOf(collection: BaseCollectionInstance): BaseDocuments {
  const items = collection.documents;
  // Legacy containers (partition key path /_partitionKey) are indexed by id in the base store.
  const [basePath, ...nested] = items._getPartitionKeyPath();
  const indexedById = basePath === 'id' && nested.length === 0;
  const lookupPartition = (id: string, firstValue: unknown): unknown => (indexedById ? id : firstValue);
  return {
    find: (id, partition) => {
      // The base types claim a document is always there; an unknown id actually reads as undefined.
      const found = collection.document(id, lookupPartition(id, partition)).read() as StoredDocument | undefined;
      // The base index falls back to treating the id as a _rid, so confirm it is really the document asked for.
      return found && found.id === id ? found : undefined;
    },
    create: (candidate) => translateStoreErrors(() => items.create(candidate) as StoredDocument),
    replace: (candidate, original) => translateStoreErrors(() => items.replace(candidate, original) as StoredDocument),
    remove: (id, partition) => items.delete(id, lookupPartition(id, partition)),
    restore: (document) => {
      items._set(document);
    },
    all: () => [...items._data.values()].map((item) => item.read() as StoredDocument),
    queryOver: (documents, { query, parameters }, paging = {}) => {
      const compiled = items._getQuery(query) as unknown as CompiledQuery;
      const definition: { indexingPolicy?: { compositeIndexes?: unknown } } | undefined = collection.read();
      return compiled.exec(documents, {
        parameters: parameters ?? [],
        udf: items._userDefinedFunctions() ?? {},
        compositeIndexes: definition?.indexingPolicy?.compositeIndexes ?? [],
        ...(paging.maxItemCount !== undefined ? { maxItemCount: paging.maxItemCount } : {}),
        ...(paging.continuation !== undefined ? { continuation: paging.continuation } : {}),
      });
    },
  };
}

/** The base store signals conflicts and bad input with flags on plain Errors. */
function translateStoreErrors<T>(write: () => T): T {
  try {
    return write();
  } catch (error) {
    if (error instanceof Error && 'conflict' in error && error.conflict) throw conflict();
    if (error instanceof Error && 'badRequest' in error && error.badRequest) throw badRequest(error.message);
    throw error;
  }
}

interface CompiledQuery {
  exec(
    documents: JsonObject[],
    options: {
      parameters: { name: string; value: unknown }[];
      udf?: unknown;
      compositeIndexes?: unknown;
    } & QueryPaging,
  ): QueryPage;
}

export interface BaseRoute {
  params: Record<string, string>;
  run(account: BaseAccount, req: IncomingMessage, res: ServerResponse): Promise<unknown>;
}

type BaseHandler = (
  account: BaseAccount,
  req: IncomingMessage,
  res: ServerResponse,
  params: Record<string, string>,
) => unknown;

/**
 * A stand-in for a request whose body this server has already read: the base handlers read bodies from the stream
 * themselves, so they get the same method, URL and headers with the body replayed.
 */
export function withReplayedBody(req: IncomingMessage, body: Buffer): IncomingMessage {
  const replay = Readable.from([body]);
  return Object.assign(replay, {
    method: req.method,
    url: req.url,
    headers: req.headers,
  }) as unknown as IncomingMessage;
}

/** The base server's own routing (databases, containers, queries, reads of collections, UDFs, pkranges, `/`). */
export function findBaseRoute(req: IncomingMessage): BaseRoute | undefined {
  const match: unknown[] | undefined = findRoute(req);
  if (!match) return undefined;
  const [params, handler] = match as [Record<string, string>, BaseHandler];
  return { params, run: async (account, request, response) => handler(account, request, response, params) };
}
