/**
 * Turns a request path of the Service Bus ATOM management API into a route. Keywords (`$Resources`, `Subscriptions`,
 * ...) are matched case-insensitively, as the service does; entity names are returned as sent and resolved later.
 */

export type AdminRoute =
  | { kind: 'serviceRoot' }
  | { kind: 'namespaceInfo' }
  | { kind: 'listQueues' }
  | { kind: 'listTopics' }
  /** Queues and topics share one name space and one URL shape; the service answers with whichever exists. */
  | { kind: 'queueOrTopic'; name: string }
  | { kind: 'listSubscriptions'; topic: string }
  | { kind: 'subscription'; topic: string; subscription: string }
  | { kind: 'rules'; topic: string; subscription: string };

export type ParsedAdminPath = { ok: true; route: AdminRoute } | { ok: false; message: string };

// Service Bus naming rules: queue and topic names may contain slashes (each segment checked here), subscription
// names may not and are at most 50 characters.
const ENTITY_SEGMENT = /^[A-Za-z0-9._-]+$/;
const SUBSCRIPTION_NAME = /^[A-Za-z0-9._-]{1,50}$/;
const MAX_ENTITY_NAME_LENGTH = 260;

/** `rawPath` is the request target before the `?`, still percent-encoded. */
export function parseAdminPath(rawPath: string): ParsedAdminPath {
  const segments = decodeSegments(rawPath);
  if (!Array.isArray(segments)) {
    return segments;
  }
  const [first, second] = segments;
  if (first === undefined) {
    return { ok: true, route: { kind: 'serviceRoot' } };
  }
  if (isKeyword(first, '$namespaceinfo') && segments.length === 1) {
    return { ok: true, route: { kind: 'namespaceInfo' } };
  }
  if (isKeyword(first, '$Resources')) {
    if (segments.length === 2 && isKeyword(second, 'Queues')) return { ok: true, route: { kind: 'listQueues' } };
    if (segments.length === 2 && isKeyword(second, 'Topics')) return { ok: true, route: { kind: 'listTopics' } };
    return fail(
      `'/${segments.join('/')}' is not a supported collection; use /$Resources/Queues or /$Resources/Topics.`,
    );
  }
  const subscriptionsAt = segments.findIndex((segment) => isKeyword(segment, 'Subscriptions'));
  if (subscriptionsAt === -1) {
    return entityRoute(segments, (name) => ({ kind: 'queueOrTopic', name }));
  }
  return subscriptionRoute(segments.slice(0, subscriptionsAt), segments.slice(subscriptionsAt + 1));
}

function subscriptionRoute(topicSegments: string[], rest: string[]): ParsedAdminPath {
  if (topicSegments.length === 0) {
    return fail('A subscription path needs a topic name before /Subscriptions.');
  }
  return entityRoute(topicSegments, (topic) => {
    const [subscription, rules] = rest;
    if (subscription === undefined) {
      return { kind: 'listSubscriptions', topic };
    }
    if (!SUBSCRIPTION_NAME.test(subscription)) {
      return `'${subscription}' is not a valid subscription name (letters, digits, '.', '-', '_'; at most 50 characters).`;
    }
    if (rules === undefined) {
      return { kind: 'subscription', topic, subscription };
    }
    if (isKeyword(rules, 'Rules') && rest.length <= 3) {
      return { kind: 'rules', topic, subscription };
    }
    return `Unexpected path after subscription '${subscription}': '/${rest.slice(1).join('/')}'.`;
  });
}

/** Validates a queue or topic name made of `segments`, then lets `build` produce the route or an error message. */
function entityRoute(segments: string[], build: (name: string) => AdminRoute | string): ParsedAdminPath {
  const name = segments.join('/');
  const badSegment = segments.find((segment) => !ENTITY_SEGMENT.test(segment));
  if (badSegment !== undefined) {
    return fail(`'${name}' is not a valid entity name: only letters, digits, '.', '-', '_' and '/' are allowed.`);
  }
  if (name.length > MAX_ENTITY_NAME_LENGTH) {
    return fail(`'${name.slice(0, 40)}...' is longer than ${MAX_ENTITY_NAME_LENGTH} characters.`);
  }
  const route = build(name);
  return typeof route === 'string' ? fail(route) : { ok: true, route };
}

function decodeSegments(rawPath: string): string[] | { ok: false; message: string } {
  // One trailing slash is normal (the SDK lists subscriptions with `<topic>/Subscriptions/`); empty segments elsewhere
  // would silently address a different entity, so they are rejected.
  const trimmed = rawPath.replace(/^\//, '').replace(/\/$/, '');
  if (trimmed === '') {
    return [];
  }
  const segments: string[] = [];
  for (const raw of trimmed.split('/')) {
    if (raw === '') {
      return fail(`The path '${rawPath}' has an empty segment.`);
    }
    try {
      segments.push(decodeURIComponent(raw));
    } catch {
      return fail(`The path segment '${raw}' is not valid percent-encoding.`);
    }
  }
  return segments;
}

function isKeyword(segment: string | undefined, keyword: string): boolean {
  return segment !== undefined && segment.toLowerCase() === keyword.toLowerCase();
}

function fail(message: string): { ok: false; message: string } {
  return { ok: false, message };
}
