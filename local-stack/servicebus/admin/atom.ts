/**
 * Atom envelopes (entry, feed, error) in the shape Service Bus returns them. The SDK takes an entity's name from the
 * path of the entry's `<id>` URL, and the next page's offset from the `$skip` parameter of a `rel="next"` link.
 */

import { randomUUID } from 'node:crypto';
import { element, textElement, type XmlElement } from './xml.js';

const ATOM_NAMESPACE = 'http://www.w3.org/2005/Atom';

/** What every response needs to know about the request it answers. */
export interface AtomContext {
  /** Host as the client addressed it: the Azure-style host forwarded by the pipeline policy, else the Host header. */
  host: string;
  apiVersion: string;
  namespace: string;
  now: Date;
}

export interface EntryParts {
  /** Resource path without the leading slash, e.g. `orders` or `events/Subscriptions/audit`. */
  path: string;
  title: string;
  published: Date;
  updated: Date;
  content: XmlElement;
}

export interface PageLink {
  skip: number;
  top: number;
}

export function resourceUrl(context: AtomContext, path: string, page?: PageLink): string {
  // Written by hand rather than with URLSearchParams so `$skip`/`$top` keep their literal `$`, as the service writes.
  const paging = page === undefined ? '' : `&$skip=${page.skip}&$top=${page.top}`;
  return `https://${context.host}/${path}?api-version=${encodeURIComponent(context.apiVersion)}${paging}`;
}

export function atomEntry(context: AtomContext, parts: EntryParts, standalone: boolean): XmlElement {
  const url = resourceUrl(context, parts.path);
  return element(
    'entry',
    [
      textElement('id', url),
      element('title', [parts.title], { type: 'text' }),
      textElement('published', atomTimestamp(parts.published)),
      textElement('updated', atomTimestamp(parts.updated)),
      element('author', [textElement('name', context.namespace)]),
      element('link', [], { rel: 'self', href: url }),
      element('content', [parts.content], { type: 'application/xml' }),
    ],
    standalone ? { xmlns: ATOM_NAMESPACE } : {},
  );
}

export function atomFeed(
  context: AtomContext,
  feed: { path: string; title: string; entries: XmlElement[]; next?: PageLink },
): XmlElement {
  const selfUrl = resourceUrl(context, feed.path);
  // The SDK only looks for the next link when `link` parses as an array, i.e. when there are two or more of them;
  // the self link guarantees that.
  return element(
    'feed',
    [
      element('title', [feed.title], { type: 'text' }),
      textElement('id', selfUrl),
      textElement('updated', atomTimestamp(context.now)),
      element('link', [], { rel: 'self', href: selfUrl }),
      feed.next && element('link', [], { rel: 'next', href: resourceUrl(context, feed.path, feed.next) }),
      ...feed.entries,
    ],
    { xmlns: ATOM_NAMESPACE },
  );
}

/**
 * What the service answers, with HTTP 200, for a GET on a queue or topic that does not exist: an empty service list.
 * The SDK turns the empty result into its `MessageEntityNotFoundError`.
 */
export function publiclyListedServicesFeed(context: AtomContext): XmlElement {
  return element(
    'feed',
    [
      element('title', ['Publicly Listed Services'], { type: 'text' }),
      element('subtitle', ['This is the list of publicly-listed services currently available.'], { type: 'text' }),
      textElement('id', `uuid:${randomUUID()};id=1`),
      textElement('updated', atomTimestamp(context.now)),
      textElement('generator', 'Service Bus 1.1'),
    ],
    { xmlns: ATOM_NAMESPACE },
  );
}

/** `<Error><Code>..</Code><Detail>..</Detail></Error>`: the SDK uses `Detail` as the error message. */
export function errorDocument(status: number, detail: string, tracker: string, now: Date): XmlElement {
  const tracking = `TrackingId:${randomUUID()}, SystemTracker:${tracker}, Timestamp:${atomTimestamp(now)}`;
  return element('Error', [textElement('Code', status), textElement('Detail', `${detail} ${tracking}`)]);
}

/** Atom dates are written to the second, as the service does. */
function atomTimestamp(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
