/**
 * Queries and read-alls scoped to one partition key (`x-ms-documentdb-partitionkey`, sent when the SDK is given
 * `{ partitionKey }`). The base server ignores that header and answers from every partition; here its query engine
 * runs over that partition's documents only, with the same paging (`x-ms-max-item-count`, `x-ms-continuation`).
 */
import type { SqlQuery } from './base-server.js';
import type { ContainerRequest } from './container-request.js';
import { isJsonObject } from './document-validation.js';
import { badRequest } from './errors.js';
import type { Reply } from './http-io.js';
import { extractPartitionKey, type PartitionKeyValues } from './partition-key.js';
import { pageSize } from './request-headers.js';

/** POST /docs with a query body. */
export async function queryPartition(request: ContainerRequest, partitionKey: PartitionKeyValues): Promise<Reply> {
  const body = await request.readJson();
  if (!isJsonObject(body) || typeof body.query !== 'string') throw badRequest('The query text is missing.');
  const parameters = Array.isArray(body.parameters) ? body.parameters : [];
  return runInPartition(request, partitionKey, { query: body.query, parameters });
}

/** GET /docs: read all documents of the partition. */
export function readPartition(request: ContainerRequest, partitionKey: PartitionKeyValues): Reply {
  return runInPartition(request, partitionKey, { query: 'SELECT * FROM c' });
}

function runInPartition(request: ContainerRequest, partitionKey: PartitionKeyValues, query: SqlQuery): Reply {
  const { container, state } = request.resolved;
  const wanted = JSON.stringify(partitionKey);
  const inPartition = container.documents
    .all()
    .filter((document) => JSON.stringify(extractPartitionKey(document, request.partitionKeyPaths)) === wanted);
  let page;
  try {
    page = container.documents.queryOver(inPartition, query, {
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
