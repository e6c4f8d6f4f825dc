/**
 * Requests the base server answers: databases, containers, cross-partition queries and read-alls, partition key ranges,
 * UDFs and the account. Its handlers dereference whatever JSON they are given, so bodies are checked here first; and
 * its errors get the service's wording. (Partition key ranges are this server's own: pkranges-handler.ts.)
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { findBaseRoute, withReplayedBody, type BaseAccount } from './base-server.js';
import { isJsonObject } from './document-validation.js';
import { badRequest, CosmosHttpError, missingId, notFoundResource } from './errors.js';
import { parseJson, readBody, type Reply } from './http-io.js';
import { isQueryRequest } from './request-headers.js';

/** Bodies here are database, container, UDF and query definitions; this is generous for all of them. */
const MAX_DEFINITION_BYTES = 2 * 1024 * 1024;

export async function answerWithBase(account: BaseAccount, req: IncomingMessage, res: ServerResponse): Promise<Reply> {
  const route = findBaseRoute(req);
  if (!route) throw notFoundResource();
  const request = req.method === 'POST' || req.method === 'PUT' ? await checkedBody(req) : req;
  let body: unknown;
  try {
    body = await route.run(account, request, res);
  } catch (error) {
    // The base handlers parse bodies with JSON.parse and let its SyntaxError escape.
    if (error instanceof SyntaxError) throw invalidPayload();
    throw error;
  }
  const status = res.statusCode;
  if (status >= 400) throw baseError(status, body);
  const etag = isJsonObject(body) && typeof body._etag === 'string' ? { etag: body._etag } : undefined;
  return { status, body, ...(etag ? { headers: etag } : {}) };
}

const invalidPayload = (): CosmosHttpError =>
  badRequest('The request payload is invalid. Ensure to provide a valid request payload.');

/** Every body the base server takes is a JSON object; definitions (not queries) also need an id. */
async function checkedBody(req: IncomingMessage): Promise<IncomingMessage> {
  const buffer = await readBody(req, MAX_DEFINITION_BYTES);
  const body = parseJson(buffer);
  if (!isJsonObject(body)) throw invalidPayload();
  if (!isQueryRequest(req) && (typeof body.id !== 'string' || body.id === '')) throw missingId();
  return withReplayedBody(req, buffer);
}

/** The base server answers errors with `{}`, `{ message: "conflict" }` or its own phrases; give them the service's. */
function baseError(status: number, body: unknown): CosmosHttpError {
  if (status === 404) return notFoundResource();
  if (status === 409) return new CosmosHttpError(409, 'Resource with specified id or name already exists.');
  const message = isJsonObject(body) && typeof body.message === 'string' ? body.message : '';
  if (message === 'missing id') return missingId();
  if (message === 'missing partition keys') {
    return badRequest(
      'Cross partition query is required but disabled. Please set x-ms-documentdb-query-enablecrosspartition to true, specify x-ms-documentdb-partitionkey, or revise your query to avoid this exception.',
    );
  }
  return new CosmosHttpError(status, message || 'One of the specified inputs is invalid');
}
