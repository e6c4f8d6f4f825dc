/**
 * Answers one parsed GET route from the `RuntimeCountsSource`. Not-found answers copy the service: a missing queue or
 * topic is HTTP 200 with an empty service feed; a missing subscription (or its topic) is HTTP 404 with an error body.
 */

import type { RuntimeCountsSource } from '../runtime-counts.js';
import {
  atomEntry,
  atomFeed,
  errorDocument,
  publiclyListedServicesFeed,
  type AtomContext,
  type PageLink,
} from './atom.js';
import { namespaceInfo } from './descriptions.js';
import { queueEntry, resolveName, subscriptionEntry, topicEntry } from './entries.js';
import type { AdminRoute } from './routes.js';
import { renderXml, type XmlElement } from './xml.js';

export interface AdminResponse {
  status: number;
  contentType: string;
  body: string;
}

export interface AnswerContext extends AtomContext {
  /** Stands in for the namespace's creation time, which the configuration does not have. */
  startedAt: Date;
}

const ENTRY_CONTENT_TYPE = 'application/atom+xml;type=entry;charset=utf-8';
const FEED_CONTENT_TYPE = 'application/atom+xml;type=feed;charset=utf-8';
const ERROR_CONTENT_TYPE = 'application/xml; charset=utf-8';
/** The service returns at most 100 entries per page. */
const MAX_PAGE_SIZE = 100;
const NOT_FOUND_HINT = 'To know more visit https://aka.ms/sbResourceMgrExceptions.';

export function answerRoute(
  route: AdminRoute,
  query: URLSearchParams,
  source: RuntimeCountsSource,
  context: AnswerContext,
): AdminResponse {
  const paging = parsePaging(query);
  if (typeof paging === 'string') {
    return errorResponse(400, paging, context);
  }
  const namespace = source.namespaceName();
  switch (route.kind) {
    case 'serviceRoot':
      return document(200, FEED_CONTENT_TYPE, publiclyListedServicesFeed(context));
    case 'namespaceInfo': {
      const content = namespaceInfo(namespace, context.startedAt);
      const parts = { path: '$namespaceinfo', title: namespace, published: context.startedAt, content };
      return document(200, ENTRY_CONTENT_TYPE, atomEntry(context, { ...parts, updated: context.startedAt }, true));
    }
    case 'listQueues': {
      const names = source.queueNames();
      return listResponse(context, '$Resources/Queues', 'Queues', names, paging, (queue) =>
        queueEntry(source, context, queue, false),
      );
    }
    case 'listTopics': {
      const names = source.topicNames();
      return listResponse(context, '$Resources/Topics', 'Topics', names, paging, (topic) =>
        topicEntry(source, context, topic, false),
      );
    }
    case 'queueOrTopic': {
      const queue = resolveName(source.queueNames(), route.name);
      const topic = queue === undefined ? resolveName(source.topicNames(), route.name) : undefined;
      const entry =
        (queue !== undefined ? queueEntry(source, context, queue, true) : undefined) ??
        (topic !== undefined ? topicEntry(source, context, topic, true) : undefined);
      return entry === undefined
        ? document(200, FEED_CONTENT_TYPE, publiclyListedServicesFeed(context))
        : document(200, ENTRY_CONTENT_TYPE, entry);
    }
    case 'listSubscriptions': {
      const topic = resolveName(source.topicNames(), route.topic);
      const names = topic === undefined ? undefined : source.subscriptionNames(topic);
      if (topic === undefined || names === undefined) {
        return errorResponse(
          404,
          `Entity '${namespace}:Topic:${route.topic}' was not found. ${NOT_FOUND_HINT}`,
          context,
        );
      }
      return listResponse(context, `${topic}/Subscriptions`, 'Subscriptions', names, paging, (subscription) =>
        subscriptionEntry(source, context, topic, subscription, false),
      );
    }
    case 'subscription': {
      const topic = resolveName(source.topicNames(), route.topic);
      const subscription =
        topic === undefined ? undefined : resolveName(source.subscriptionNames(topic) ?? [], route.subscription);
      const entry =
        topic === undefined || subscription === undefined
          ? undefined
          : subscriptionEntry(source, context, topic, subscription, true);
      if (entry === undefined) {
        const entity = `${namespace}:Topic:${route.topic}|${route.subscription}`;
        return errorResponse(404, `Entity '${entity}' was not found. ${NOT_FOUND_HINT}`, context);
      }
      return document(200, ENTRY_CONTENT_TYPE, entry);
    }
    case 'rules':
      return errorResponse(
        501,
        'Rules are not served by the local Service Bus management endpoint: the broker applies the rules from ' +
          'servicebus.config.json and does not expose them. Read that file instead.',
        context,
      );
  }
}

export function errorResponse(status: number, detail: string, context: { now: Date }): AdminResponse {
  return document(status, ERROR_CONTENT_TYPE, errorDocument(status, detail, 'NoSystemTracker', context.now));
}

function listResponse(
  context: AtomContext,
  path: string,
  title: string,
  names: readonly string[],
  paging: { skip: number; top: number },
  toEntry: (name: string) => XmlElement | undefined,
): AdminResponse {
  const pageNames = names.slice(paging.skip, paging.skip + paging.top);
  // An entity removed between listing and reading is skipped rather than failing the whole page.
  const entries = pageNames.map(toEntry).filter((entry): entry is XmlElement => entry !== undefined);
  const nextSkip = paging.skip + paging.top;
  const next: PageLink | undefined = nextSkip < names.length ? { skip: nextSkip, top: paging.top } : undefined;
  return document(200, FEED_CONTENT_TYPE, atomFeed(context, { path, title, entries, next }));
}

function parsePaging(query: URLSearchParams): { skip: number; top: number } | string {
  const skip = parseCount(query.get('$skip'), 0);
  const top = parseCount(query.get('$top'), MAX_PAGE_SIZE);
  if (skip === undefined) return `$skip must be a non-negative integer; got '${query.get('$skip')}'.`;
  if (top === undefined || top === 0) return `$top must be a positive integer; got '${query.get('$top')}'.`;
  return { skip, top: Math.min(top, MAX_PAGE_SIZE) };
}

function parseCount(raw: string | null, fallback: number): number | undefined {
  if (raw === null) return fallback;
  return /^\d{1,9}$/.test(raw) ? Number(raw) : undefined;
}

function document(status: number, contentType: string, root: XmlElement): AdminResponse {
  return { status, contentType, body: renderXml(root) };
}
