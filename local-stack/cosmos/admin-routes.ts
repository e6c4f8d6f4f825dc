/**
 * Routes that exist only on this local server, under `/_local/` (a path no Cosmos DB resource can have, since the
 * gateway's paths start with a resource type such as `dbs`). They take no authorization: the server listens on
 * loopback for tests and development.
 *
 *   POST /_local/dbs/{db}/colls/{coll}/pkranges/{rangeId}/split   body (optional): { "at": "<EPK>" }
 *     200 { parentId, children: [{ id, minInclusive, maxExclusive, startLsn }, ...] }
 *     404 when the container or the range does not exist, 400 when `at` is not inside the range.
 */
import type { IncomingMessage } from 'node:http';
import type { ContainerRegistry } from './container-registry.js';
import { isJsonObject } from './document-validation.js';
import { badRequest, CosmosHttpError, notFoundResource } from './errors.js';
import { parseJson, readBody, type Reply } from './http-io.js';
import { splitContainerRange } from './partition-admin.js';

export const LOCAL_ADMIN_PREFIX = '/_local/';

const SPLIT_ROUTE = /^\/_local\/dbs\/([^/]+)\/colls\/([^/]+)\/pkranges\/([^/]+)\/split\/?$/;
const MAX_ADMIN_BODY_BYTES = 64 * 1024;

export function isLocalAdminRequest(req: IncomingMessage): boolean {
  return (req.url ?? '').startsWith(LOCAL_ADMIN_PREFIX);
}

export async function answerLocalAdmin(registry: ContainerRegistry, req: IncomingMessage): Promise<Reply> {
  const match = SPLIT_ROUTE.exec((req.url ?? '').split('?')[0] ?? '');
  if (!match) throw notFoundResource();
  if (req.method !== 'POST') throw new CosmosHttpError(405, 'Use POST to split a partition key range.');
  const [databaseId, containerId, rangeId] = match.slice(1).map(decodedSegment);
  const body = await readBody(req, MAX_ADMIN_BODY_BYTES);
  const options = body.length === 0 ? {} : parseJson(body);
  if (!isJsonObject(options) || (options.at !== undefined && typeof options.at !== 'string')) {
    throw badRequest('The body must be a JSON object, optionally with "at": the EPK where the upper child starts.');
  }
  const at = typeof options.at === 'string' ? options.at.toUpperCase() : undefined;
  const result = splitContainerRange(registry, {
    databaseId: databaseId ?? '',
    containerId: containerId ?? '',
    rangeId: rangeId ?? '',
    at,
  });
  return { status: 200, body: result };
}

/** A malformed percent-escape cannot name a container or range. */
function decodedSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch (error) {
    if (error instanceof URIError) throw notFoundResource();
    throw error;
  }
}
