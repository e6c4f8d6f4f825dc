/**
 * Queries and read-alls scoped to one partition key (`x-ms-documentdb-partitionkey`, sent when the SDK is given
 * `{ partitionKey }`) or to one partition key range (`x-ms-documentdb-partitionkeyrangeid`, possibly narrowed by
 * `x-ms-start-epk` / `x-ms-end-epk`: the SDK fans a cross-partition query out that way when it runs a query plan).
 * The base server ignores those headers and answers from every partition; here its query engine runs over the scoped
 * documents only, with the same paging (`x-ms-max-item-count`, `x-ms-continuation`).
 */
import type { JsonObject, SqlQuery } from './base-server.js';
import type { ContainerRequest } from './container-request.js';
import { isJsonObject } from './document-validation.js';
import { badRequest } from './errors.js';
import type { Reply } from './http-io.js';
import { extractPartitionKey, type PartitionKeyValues } from './partition-key.js';
import { epkInRange } from './physical-partition.js';
import { rangeScope } from './range-scope.js';
import { pageSize } from './request-headers.js';

type DocumentFilter = (document: JsonObject) => boolean;

/** POST /docs with a query body. */
export async function queryPartition(request: ContainerRequest, partitionKey: PartitionKeyValues): Promise<Reply> {
  return runOver(request, inPartition(request, partitionKey), await queryOf(request));
}

/** GET /docs: read all documents of the partition. */
export function readPartition(request: ContainerRequest, partitionKey: PartitionKeyValues): Reply {
  return runOver(request, inPartition(request, partitionKey), READ_ALL);
}

/** POST /docs with a query body and a partition key range id. */
export async function queryRange(request: ContainerRequest): Promise<Reply> {
  return runOver(request, inRange(request), await queryOf(request));
}

/** GET /docs with a partition key range id: read all documents of the range. */
export function readRange(request: ContainerRequest): Reply {
  return runOver(request, inRange(request), READ_ALL);
}

const READ_ALL: SqlQuery = { query: 'SELECT * FROM c' };

async function queryOf(request: ContainerRequest): Promise<SqlQuery> {
  const body = await request.readJson();
  if (!isJsonObject(body) || typeof body.query !== 'string') throw badRequest('The query text is missing.');
  const parameters = Array.isArray(body.parameters) ? body.parameters : [];
  return { query: body.query, parameters };
}

function inPartition(request: ContainerRequest, partitionKey: PartitionKeyValues): DocumentFilter {
  const wanted = JSON.stringify(partitionKey);
  return (document) => JSON.stringify(extractPartitionKey(document, request.partitionKeyPaths)) === wanted;
}

/**
 * Resolved before the body is read, so a gone range answers 410/1002 whatever the query. A live document's EPK is
 * already on its latest change record; hashing is the fallback.
 */
function inRange(request: ContainerRequest): DocumentFilter {
  const { state } = request.resolved;
  const { bounds } = rangeScope(state, request.req, undefined);
  const epkOf = (document: JsonObject): string => {
    const known = typeof document._rid === 'string' ? state.latestFor(document._rid)?.epk : undefined;
    return known ?? state.epkOf(extractPartitionKey(document, request.partitionKeyPaths));
  };
  return (document) => epkInRange(epkOf(document), bounds);
}

function runOver(request: ContainerRequest, filter: DocumentFilter, query: SqlQuery): Reply {
  const { container, state } = request.resolved;
  const scoped = container.documents.all().filter(filter);
  let page;
  try {
    page = container.documents.queryOver(scoped, query, {
      maxItemCount: pageSize(request.req),
      continuation: parseContinuation(request.header('x-ms-continuation')),
    });
  } catch (error) {
    // As in the base server, anything the query engine rejects is the query's fault.
    throw badRequest(error instanceof Error ? error.message : String(error));
  }
  const headers: Record<string, string> = { 'x-ms-item-count': String(page.result.length) };
  if (page.continuation) headers['x-ms-continuation'] = JSON.stringify(page.continuation);
  return {
    status: 200,
    headers,
    body: { _rid: state.containerRid, Documents: page.result, _count: page.result.length },
  };
}

function parseContinuation(value: string | undefined): unknown {
  if (value === undefined) return undefined;
  try {
    return JSON.parse(value);
  } catch {
    throw badRequest(`Invalid continuation token '${value}'.`);
  }
}
