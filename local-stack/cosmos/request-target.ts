/**
 * Turns whatever path form a client sent into one canonical, name-based request target before anything else looks at
 * it, so that this server's handlers (LSNs, etags, session tokens, 404s) and the base server's routes see the same
 * thing whether the client wrote `//dbs/app/colls/orders/docs/`, `/DBS/app/Colls/orders/docs`, `/dbs/app%20x/...` or
 * the `_rid`-based `/dbs/<db _rid>/colls/<coll _rid>/docs/<doc _rid>` that the .NET and Java SDKs use for partition
 * key ranges and some other operations.
 */
import { idsForRids } from './base-links.js';
import type { BaseAccount } from './base-server.js';
import { notFoundResource } from './errors.js';
import { canonicalUrl, parseRequestTarget, resourcePathOf, type ResourcePath } from './resource-path.js';

export interface RequestTarget {
  path: ResourcePath;
  /** The canonical request target (path and query) the handlers and the base router see. */
  url: string;
  /** The path ends in a resource type (`/dbs`, `/docs`, `/pkranges`): a feed, paged with `x-ms-max-item-count`. */
  isFeed: boolean;
}

/** Throws the service's 404 for a `_rid` that names nothing, as the gateway does. */
export function resolveRequestTarget(account: BaseAccount, url: string | undefined): RequestTarget {
  const parsed = parseRequestTarget(url);
  const links = parsed.ridBased ? idsForRids(account, parsed.links) : parsed.links;
  if (!links) throw notFoundResource();
  // Ids cannot contain '/', so a segment that decodes to one (`colls/c%2Fx`) names nothing; the gateway answers 404.
  if (links.some((link) => link.id.includes('/'))) throw notFoundResource();
  return {
    path: resourcePathOf(links, parsed.feed),
    url: canonicalUrl(links, parsed.feed, parsed.query),
    isFeed: parsed.feed !== undefined,
  };
}
