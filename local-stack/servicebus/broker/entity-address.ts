/**
 * Parses the addresses clients use for entities: `queue`, `topic`, `topic/Subscriptions/sub`, each optionally
 * followed by `/$DeadLetterQueue` and/or `/$management`, and possibly prefixed by `amqps://host/` or `sb://host/`.
 * Service Bus matches these case-insensitively.
 */
export interface EntityAddress {
  /** The queue or topic name, as written by the client. */
  entity: string;
  subscription: string | undefined;
  deadLetter: boolean;
  /** `$Transfer/$DeadLetterQueue`: only exists for auto-forwarding entities. */
  transferDeadLetter: boolean;
  management: boolean;
  /** The address without a management suffix, for messages that name the entity. */
  entityPath: string;
}

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\/[^/]*\/?/i;

export function parseEntityAddress(address: string): EntityAddress | undefined {
  let path = address.replace(SCHEME, '').replace(/^\/+|\/+$/g, '');
  let management = false;
  if (/\/\$management$/i.test(path)) {
    management = true;
    path = path.slice(0, -'/$management'.length);
  }
  let deadLetter = false;
  let transferDeadLetter = false;
  if (/\/\$transfer\/\$deadletterqueue$/i.test(path)) {
    transferDeadLetter = true;
    path = path.slice(0, -'/$Transfer/$DeadLetterQueue'.length);
  } else if (/\/\$deadletterqueue$/i.test(path)) {
    deadLetter = true;
    path = path.slice(0, -'/$DeadLetterQueue'.length);
  }
  if (path === '' || path.includes('$')) return undefined;
  const subscriptionMatch = /^(.+)\/subscriptions\/([^/]+)$/i.exec(path);
  return {
    entity: subscriptionMatch === null ? path : (subscriptionMatch[1] as string),
    subscription: subscriptionMatch === null ? undefined : subscriptionMatch[2],
    deadLetter,
    transferDeadLetter,
    management,
    entityPath: address
      .replace(SCHEME, '')
      .replace(/^\/+/, '')
      .replace(/\/\$management$/i, ''),
  };
}

/**
 * An address as error descriptions show it: without the scheme and host a client may have put in front (those name
 * the broker's own listener, which descriptions never echo).
 */
export function displayAddress(address: string): string {
  return address.replace(SCHEME, '').replace(/^\/+/, '');
}
