/**
 * Decides who answers a request. Every request target is first made canonical (request-target.ts), so every path form
 * the gateway accepts reaches the same handler. Document writes, point reads, the change feed, query plans, partition
 * key ranges, and queries or read-alls scoped to a partition key or a range are answered here: they need LSNs,
 * conditional requests, size limits or a partition filter that the base server lacks. Everything else (databases,
 * containers, cross-partition queries and read-alls, the account at `/`) goes to the base server's handlers
 * (base-routes.ts); `/_local/` is this server's own admin surface (admin-routes.ts). Every answer gets Cosmos-shaped
 * headers, and everything under a container also gets a session token for the range (or ranges) it addressed.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { BaseAccount } from './base-server.js';
import { answerLocalAdmin, isLocalAdminRequest } from './admin-routes.js';
import { answerWithBase } from './base-routes.js';
import { executeBatch } from './batch-handler.js';
import { readChangeFeedPage } from './change-feed-handler.js';
import type { ContainerRegistry } from './container-registry.js';
import { ContainerRequest } from './container-request.js';
import * as documents from './document-handlers.js';
import { cosmosErrorBody, CosmosHttpError, INTERNAL_ERROR_MESSAGE, notFoundResource } from './errors.js';
import { header, isTrueHeader, writeReply, type Reply } from './http-io.js';
import { partitionKeyFromHeaders } from './partition-key.js';
import { readPartitionKeyRanges } from './pkranges-handler.js';
import { queryPartition, queryRange, readPartition, readRange } from './partition-query.js';
import { passThroughQueryPlan } from './query-plan.js';
import { requestedRangeId } from './range-scope.js';
import { isQueryRequest, normaliseRequestHeaders, pageSize } from './request-headers.js';
import { resolveRequestTarget } from './request-target.js';
import type { ResourcePath } from './resource-path.js';
import { sessionHeaders } from './session-token.js';

export interface RouterContext {
  account: BaseAccount;
  registry: ContainerRegistry;
  maxDocumentBytes: number;
}

type OwnHandler = (request: ContainerRequest) => Reply | Promise<Reply>;

const DOCUMENT_HANDLERS: Readonly<Record<string, OwnHandler>> = {
  GET: documents.readDocument,
  PUT: documents.replaceDocument,
  PATCH: documents.patchDocument,
  DELETE: documents.deleteDocument,
};

/** The handler of this server for a request on /docs or /docs/{id}, or undefined to leave it to the base server. */
function ownHandler(req: IncomingMessage, documentId: string | undefined): OwnHandler | undefined {
  const method = req.method ?? 'GET';
  if (documentId !== undefined) return DOCUMENT_HANDLERS[method];
  if (method === 'GET') {
    if (header(req, 'a-im') !== undefined) return readChangeFeedPage;
    const partitionKey = partitionKeyFromHeaders(req.headers);
    if (partitionKey) return (request) => readPartition(request, partitionKey);
    return requestedRangeId(req) !== undefined ? readRange : undefined;
  }
  if (method !== 'POST') return undefined;
  if (isTrueHeader(req, 'x-ms-cosmos-is-query-plan-request')) return passThroughQueryPlan;
  if (isQueryRequest(req)) {
    const partitionKey = partitionKeyFromHeaders(req.headers);
    if (partitionKey) return (request) => queryPartition(request, partitionKey);
    return requestedRangeId(req) !== undefined ? queryRange : undefined;
  }
  if (isTrueHeader(req, 'x-ms-cosmos-is-batch-request')) return executeBatch;
  const upsert = isTrueHeader(req, 'x-ms-documentdb-is-upsert');
  return (request) => documents.createDocument(request, upsert);
}

export async function routeRequest(context: RouterContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const activityId = randomUUID();
  let path: ResourcePath = { kind: 'other' };
  let reply: Reply;
  try {
    if (isLocalAdminRequest(req)) {
      reply = await answerLocalAdmin(context.registry, req);
    } else {
      const target = resolveRequestTarget(context.account, req.url);
      path = target.path;
      req.url = target.url;
      normaliseRequestHeaders(req);
      // The gateway refuses a malformed page size on every feed, whichever handler would answer it.
      if (target.isFeed) pageSize(req);
      reply = await answer(context, req, res, path);
    }
  } catch (error) {
    reply = errorReply(error, activityId);
  }
  writeReply(res, {
    ...reply,
    headers: {
      'x-ms-activity-id': activityId,
      'x-ms-request-charge': '1',
      ...sessionHeaders(context.registry, path, req),
      ...reply.headers,
    },
  });
}

async function answer(
  context: RouterContext,
  req: IncomingMessage,
  res: ServerResponse,
  path: ResourcePath,
): Promise<Reply> {
  // Touching a container creates its partitions; a bad `physicalPartitions` answer is reported here, as this request's.
  if (path.kind !== 'other') context.registry.resolve(path.databaseId, path.containerId);
  if (path.kind === 'container' && path.feed === 'pkranges' && req.method === 'GET') {
    return readPartitionKeyRanges(context.registry, path, req);
  }
  const handler = path.kind === 'documents' ? ownHandler(req, path.documentId) : undefined;
  if (!handler || path.kind !== 'documents') return answerWithBase(context.account, req, res);
  const resolved = context.registry.resolve(path.databaseId, path.containerId);
  if (!resolved) throw notFoundResource();
  return handler(new ContainerRequest(req, resolved, path.documentId, context.maxDocumentBytes));
}

function errorReply(error: unknown, activityId: string): Reply {
  if (error instanceof CosmosHttpError) {
    return {
      status: error.statusCode,
      body: cosmosErrorBody(error.statusCode, error.message, activityId),
      ...(error.subStatus !== undefined ? { headers: { 'x-ms-substatus': String(error.subStatus) } } : {}),
    };
  }
  // An unexpected failure is a bug in this server: keep it visible in the test output, and out of the response, which
  // says what the service says about its own failures.
  console.error('local Cosmos DB: request failed', error);
  return { status: 500, body: cosmosErrorBody(500, INTERNAL_ERROR_MESSAGE, activityId) };
}
