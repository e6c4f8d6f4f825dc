/**
 * Reads one entity from the broker's `RuntimeCountsSource` and wraps it as an Atom entry. Names are resolved
 * case-insensitively against the source's own lists, so responses carry the configured spelling whatever case the
 * caller used, and a source that matches names exactly still behaves like Service Bus.
 */

import type { RuntimeCountsSource } from '../runtime-counts.js';
import { atomEntry, type AtomContext } from './atom.js';
import { queueDescription, subscriptionDescription, topicDescription, type ForwardTargetUri } from './descriptions.js';
import type { XmlElement } from './xml.js';

export function resolveName(names: readonly string[], requested: string): string | undefined {
  const wanted = requested.toLowerCase();
  return names.find((name) => name.toLowerCase() === wanted);
}

/** `standalone` entries are whole documents and declare the Atom namespace; entries inside a feed inherit it. */
export function queueEntry(
  source: RuntimeCountsSource,
  context: AtomContext,
  queue: string,
  standalone: boolean,
): XmlElement | undefined {
  const counts = source.queue(queue);
  if (counts === undefined) {
    return undefined;
  }
  const content = queueDescription(source.queueProperties(queue) ?? {}, counts, forwardTargetUri(context));
  const parts = { path: queue, title: queue, published: counts.createdAt, updated: counts.updatedAt, content };
  return atomEntry(context, parts, standalone);
}

export function topicEntry(
  source: RuntimeCountsSource,
  context: AtomContext,
  topic: string,
  standalone: boolean,
): XmlElement | undefined {
  const counts = source.topic(topic);
  if (counts === undefined) {
    return undefined;
  }
  const content = topicDescription(source.topicProperties(topic) ?? {}, counts);
  const parts = { path: topic, title: topic, published: counts.createdAt, updated: counts.updatedAt, content };
  return atomEntry(context, parts, standalone);
}

export function subscriptionEntry(
  source: RuntimeCountsSource,
  context: AtomContext,
  topic: string,
  subscription: string,
  standalone: boolean,
): XmlElement | undefined {
  const counts = source.subscription(topic, subscription);
  if (counts === undefined) {
    return undefined;
  }
  const properties = source.subscriptionProperties(topic, subscription) ?? {};
  const content = subscriptionDescription(properties, counts, forwardTargetUri(context));
  const parts = {
    path: `${topic}/Subscriptions/${subscription}`,
    title: subscription,
    published: counts.createdAt,
    updated: counts.updatedAt,
    content,
  };
  return atomEntry(context, parts, standalone);
}

function forwardTargetUri(context: AtomContext): ForwardTargetUri {
  return (entityName) => `sb://${context.host}/${entityName}`;
}
