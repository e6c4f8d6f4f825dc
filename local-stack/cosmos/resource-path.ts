/**
 * Parses a request's resource path the way the Cosmos DB gateway does (PathsHelper in the service's .NET and Java
 * libraries): the path is split on `/` with empty segments dropped, so a doubled or tripled slash anywhere (an
 * endpoint ending in `/` joined with a path starting with `/`), a leading `//` and trailing slashes all address the
 * same resource; resource type segments (`dbs`, `colls`, `docs`, ...) match in any case; ids are percent-decoded and
 * stay case-sensitive; and a path whose database segment parses as a database `_rid` is resource-id based.
 */

export interface ResourceLink {
  /** Resource type segment in lower case, e.g. `dbs`, `colls`, `docs`. */
  type: string;
  id: string;
}

export interface ParsedTarget {
  /** Type and id pairs from the account down, e.g. dbs/app, colls/orders, docs/order-1. */
  links: ResourceLink[];
  /** The trailing type of a feed path (`/dbs/app/colls`, `/dbs/a/colls/b/docs`); undefined for a single resource. */
  feed: string | undefined;
  /** The database segment is a database `_rid`: every id in the path is then a `_rid` (e.g. dbs/gAABAA==/colls/...). */
  ridBased: boolean;
  /** `?...` or empty; kept as sent. */
  query: string;
}

/** The resource types the gateway knows (PathsHelper); a type segment matches them case-insensitively. */
const RESOURCE_TYPES = new Set([
  'dbs',
  'colls',
  'docs',
  'sprocs',
  'triggers',
  'udfs',
  'users',
  'permissions',
  'attachments',
  'media',
  'conflicts',
  'pkranges',
  'offers',
  'schemas',
  'clientencryptionkeys',
  'udts',
  'operations',
]);

/** Splits origin-form (`/p?q`) or absolute-form (`http://host/p?q`) request targets; a fragment is never sent. */
function splitTarget(url: string): { path: string; query: string } {
  const origin = /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*/i.exec(url);
  const target = (origin ? url.slice(origin[0].length) : url).replace(/#.*$/s, '');
  const queryStart = target.indexOf('?');
  return queryStart < 0
    ? { path: target, query: '' }
    : { path: target.slice(0, queryStart), query: target.slice(queryStart) };
}

/** Percent-decodes a segment; a malformed escape is left as sent, as the gateway's unescaping does. */
function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** A resource id's bytes: strict base64 with `-` standing for `/`, as the service writes `_rid`s into paths. */
function resourceIdBytes(text: string): Buffer | undefined {
  const base64 = text.replace(/-/g, '/');
  if (base64.length === 0 || base64.length % 4 !== 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) return undefined;
  const bytes = Buffer.from(base64, 'base64');
  return bytes.toString('base64') === base64 ? bytes : undefined;
}

/** A database `_rid` is 4 bytes with a non-zero database number (ResourceId.IsDatabaseId). */
export function isDatabaseRid(text: string): boolean {
  const bytes = resourceIdBytes(text);
  return bytes !== undefined && bytes.length === 4 && bytes.readUInt32BE(0) !== 0;
}

export function parseRequestTarget(url: string | undefined): ParsedTarget {
  const { path, query } = splitTarget(url ?? '/');
  const segments = path
    .split('/')
    .filter((segment) => segment !== '')
    .map(decodeSegment);
  const links: ResourceLink[] = [];
  let feed: string | undefined;
  for (let index = 0; index < segments.length; index += 2) {
    const raw = segments[index] ?? '';
    const type = RESOURCE_TYPES.has(raw.toLowerCase()) ? raw.toLowerCase() : raw;
    const id = segments[index + 1];
    if (id === undefined) feed = type;
    else links.push({ type, id });
  }
  const [first] = links;
  const ridBased = first !== undefined && first.type === 'dbs' && isDatabaseRid(first.id);
  return { links, feed, ridBased, query };
}

/** The canonical, name-based request target: `/dbs/<id>/colls/<id>...`, ids percent-encoded. */
export function canonicalUrl(links: readonly ResourceLink[], feed: string | undefined, query: string): string {
  const parts = links.flatMap(({ type, id }) => [type, encodeURIComponent(id)]);
  if (feed !== undefined) parts.push(feed);
  return `/${parts.join('/')}${query}`;
}

/** What the handlers of this server need to know about a request's resource. */
export type ResourcePath =
  | { kind: 'documents'; databaseId: string; containerId: string; documentId?: string }
  | { kind: 'container'; databaseId: string; containerId: string; feed?: string }
  | { kind: 'other' };

/** Classifies canonical (name-based) links. */
export function resourcePathOf(links: readonly ResourceLink[], feed: string | undefined): ResourcePath {
  const [database, container, child, ...rest] = links;
  if (database?.type !== 'dbs' || container?.type !== 'colls') return { kind: 'other' };
  const { id: databaseId } = database;
  const { id: containerId } = container;
  if (child === undefined && feed === 'docs') return { kind: 'documents', databaseId, containerId };
  if (child?.type === 'docs' && rest.length === 0 && feed === undefined) {
    return { kind: 'documents', databaseId, containerId, documentId: child.id };
  }
  if (child === undefined && feed !== undefined) return { kind: 'container', databaseId, containerId, feed };
  return { kind: 'container', databaseId, containerId };
}
