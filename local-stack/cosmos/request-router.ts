/**
 * Decides who answers a request. Document writes, point reads, the change feed, query plans, and queries or read-alls
 * scoped to a partition key are answered here: they need LSNs, conditional requests, size limits or a partition filter
 * that the base server lacks. Everything else (databases, containers, cross-partition queries and read-alls, partition
 * key ranges, the account at `/`) goes to the base server's handlers. Every answer gets Cosmos-shaped headers, and
 * everything under a container also gets the container's session token.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomUUID } from 'node:crypto';
import { findBaseRoute, type BaseAccount } from './base-server.js';
import { executeBatch } from './batch-handler.js';
import { readChangeFeedPage } from './change-feed-handler.js';
import type { ContainerRegistry } from './container-registry.js';
import { ContainerRequest } from './container-request.js';
import * as documents from './document-handlers.js';
import { isJsonObject } from './document-validation.js';
import { badRequest, cosmosErrorBody, CosmosHttpError, notFoundResource } from './errors.js';
import { header, isTrueHeader, writeReply, type Reply } from './http-io.js';
import { partitionKeyFromHeaders } from './partition-key.js';
import { queryPartition, readPartition } from './partition-query.js';
import { passThroughQueryPlan } from './query-plan.js';
import { parseResourcePath, type ResourcePath } from './resource-path.js';
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
    return partitionKey ? (request) => readPartition(request, partitionKey) : undefined;
  }
  if (method !== 'POST') return undefined;
  if (isTrueHeader(req, 'x-ms-cosmos-is-query-plan-request')) return passThroughQueryPlan;
  if (isTrueHeader(req, 'x-ms-documentdb-isquery') || header(req, 'content-type') === 'application/query+json') {
    const partitionKey = partitionKeyFromHeaders(req.headers);
    return partitionKey ? (request) => queryPartition(request, partitionKey) : undefined;
  }
  if (isTrueHeader(req, 'x-ms-cosmos-is-batch-request')) return executeBatch;
  const upsert = isTrueHeader(req, 'x-ms-documentdb-is-upsert');
  return (request) => documents.createDocument(request, upsert);
}

export async function routeRequest(context: RouterContext, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const activityId = randomUUID();
  const path = parseResourcePath(req.url);
  let reply: Reply;
  try {
    reply = await answer(context, req, res, path);
  } catch (error) {
    reply = errorReply(error, activityId);
  }
  writeReply(res, {
    ...reply,
    headers: {
      'x-ms-activity-id': activityId,
      'x-ms-request-charge': '1',
      ...sessionHeaders(context.registry, path),
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
  const handler = path.kind === 'documents' ? ownHandler(req, path.documentId) : undefined;
  if (!handler || path.kind !== 'documents') return answerWithBase(context.account, req, res);
  const resolved = context.registry.resolve(path.databaseId, path.containerId);
  if (!resolved) throw notFoundResource();
  return handler(new ContainerRequest(req, resolved, path.documentId, context.maxDocumentBytes));
}

async function answerWithBase(account: BaseAccount, req: IncomingMessage, res: ServerResponse): Promise<Reply> {
  const route = findBaseRoute(req);
  if (!route) throw notFoundResource();
  let body: unknown;
  try {
    body = await route.run(account, req, res);
  } catch (error) {
    // The base handlers parse bodies with JSON.parse and let its SyntaxError escape.
    if (error instanceof SyntaxError)
      throw badRequest('The request payload is invalid. Ensure to provide a valid request payload.');
    throw error;
  }
  const status = res.statusCode;
  if (status >= 400) throw baseError(status, body);
  const etag = isJsonObject(body) && typeof body._etag === 'string' ? { etag: body._etag } : undefined;
  return { status, body, ...(etag ? { headers: etag } : {}) };
}

/** The base server answers errors with `{}` or `{ message: "conflict" }`; give them the service's wording. */
function baseError(status: number, body: unknown): CosmosHttpError {
  if (status === 404) return notFoundResource();
  if (status === 409) return new CosmosHttpError(409, 'Resource with specified id or name already exists.');
  const message = isJsonObject(body) && typeof body.message === 'string' && body.message !== '' ? body.message : '';
  return new CosmosHttpError(status, message || 'One of the specified inputs is invalid');
}

function errorReply(error: unknown, activityId: string): Reply {
  if (error instanceof CosmosHttpError) {
    return { status: error.statusCode, body: cosmosErrorBody(error.statusCode, error.message, activityId) };
  }
  // An unexpected failure is a bug in this server: keep it visible in the test output as well as in the response.
  console.error('local Cosmos DB: request failed', error);
  const message = error instanceof Error ? error.message : String(error);
  return { status: 500, body: cosmosErrorBody(500, message, activityId) };
}
