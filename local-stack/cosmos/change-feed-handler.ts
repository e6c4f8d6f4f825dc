/**
 * GET /docs with an `A-IM` header: the change feed, as @azure/cosmos reads it. The SDK sends
 * - `A-IM: Incremental Feed` (LatestVersion) or `A-IM: Full-Fidelity Feed` with
 *   `x-ms-cosmos-changefeed-wire-format-version: 2021-09-15` (AllVersionsAndDeletes);
 * - where to start: nothing (beginning), `If-None-Match: *` (now), `If-Modified-Since` (time) or
 *   `If-None-Match: <etag of the previous page>` (continuation; it wins over a time);
 * - `x-ms-max-item-count`, and either the partition key range id (with `x-ms-start-epk` / `x-ms-end-epk` for part of
 *   a range) or the partition key for a pk-scoped feed (range-scope.ts).
 * The answer's `etag` is the next continuation, a quoted LSN of the range's own sequence; 304 means nothing new. The
 * session token names the range and its current LSN, as the service's does.
 */
import { readChangeFeed, type ChangeFeedMode, type ChangeFeedStart } from './change-feed.js';
import type { ContainerRequest } from './container-request.js';
import { badRequest } from './errors.js';
import type { Reply } from './http-io.js';
import { partitionKeyFromHeaders } from './partition-key.js';
import { rangeScope } from './range-scope.js';
import { pageSize } from './request-headers.js';
import { rangeSessionHeaders } from './session-token.js';

/** The page size when the client does not ask for one, or asks for the service's choice (-1). */
const DEFAULT_MAX_ITEM_COUNT = 100;

const MODES: Readonly<Record<string, ChangeFeedMode>> = {
  'incremental feed': 'LatestVersion',
  'full-fidelity feed': 'AllVersionsAndDeletes',
};

export function isChangeFeedRequest(request: ContainerRequest): boolean {
  return request.header('a-im') !== undefined;
}

export function readChangeFeedPage(request: ContainerRequest): Reply {
  const mode = parseMode(request.header('a-im'));
  const start = parseStart(request.header('if-none-match'), request.header('if-modified-since'));
  if (mode === 'AllVersionsAndDeletes' && (start.kind === 'beginning' || start.kind === 'time')) {
    // Azure keeps all versions only for the continuous-backup retention window, so it refuses these start points.
    throw badRequest(
      'You must read the change feed from within the retention period. AllVersionsAndDeletes mode can start only from now or from a continuation token.',
    );
  }
  const { state } = request.resolved;
  const partitionKey = partitionKeyFromHeaders(request.req.headers);
  const scope = rangeScope(state, request.req, partitionKey);
  const page = readChangeFeed(state, scope, {
    mode,
    start,
    maxItemCount: pageSize(request.req) ?? DEFAULT_MAX_ITEM_COUNT,
    partitionKey,
    partitionKeyPaths: request.partitionKeyPaths,
  });
  const headers = {
    ...rangeSessionHeaders(scope.partition),
    etag: `"${page.continuationLsn}"`,
    'x-ms-item-count': String(page.items.length),
  };
  if (page.items.length === 0) return { status: 304, headers };
  return { status: 200, headers, body: { _rid: state.containerRid, Documents: page.items, _count: page.items.length } };
}

function parseMode(value: string | undefined): ChangeFeedMode {
  const mode = MODES[(value ?? '').toLowerCase()];
  if (!mode) throw badRequest(`Unsupported A-IM header value '${value ?? ''}'.`);
  return mode;
}

function parseStart(ifNoneMatch: string | undefined, ifModifiedSince: string | undefined): ChangeFeedStart {
  if (ifNoneMatch === '*') return { kind: 'now' };
  if (ifNoneMatch !== undefined && ifNoneMatch !== '') {
    const lsn = ifNoneMatch.replace(/^"(.*)"$/, '$1');
    if (!/^\d+$/.test(lsn)) throw badRequest(`Invalid change feed continuation '${ifNoneMatch}'.`);
    return { kind: 'continuation', lsn: Number(lsn) };
  }
  if (ifModifiedSince !== undefined) {
    const timeMs = Date.parse(ifModifiedSince);
    if (Number.isNaN(timeMs)) throw badRequest(`Invalid If-Modified-Since value '${ifModifiedSince}'.`);
    return { kind: 'time', timeMs };
  }
  return { kind: 'beginning' };
}
