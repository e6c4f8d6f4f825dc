import type { SystemPropertyName } from '../filters/sql-ast.js';
import type { FilterableMessage } from '../filters/filterable-message.js';

/** The AMQP properties section fields the broker looks at (routing, sessions, duplicate detection, filters). */
export interface MessageProperties {
  messageId?: unknown;
  to?: string;
  subject?: string;
  replyTo?: string;
  correlationId?: unknown;
  contentType?: string;
  groupId?: string;
  replyToGroupId?: string;
}

/**
 * A sent message as the broker keeps it: the sections a receiver gets back unchanged are kept as the bytes the
 * sender encoded, so delivering only means prefixing a fresh header and annotations. Immutable and shared by every
 * subscription a topic message fans out to; changes (dead-letter reason, properties to modify) make a new copy.
 */
export interface MessageContent {
  durable: boolean;
  priority: number;
  /** The sender's time-to-live, if it set one. */
  ttlMs: number | undefined;
  /** Message annotations from the sender (partition key, scheduled enqueue time, ...). */
  annotations: Record<string, unknown>;
  properties: MessageProperties;
  applicationProperties: Record<string, unknown> | undefined;
  propertiesBytes: Buffer | undefined;
  /** Undefined when `applicationProperties` was changed by the broker and must be encoded again. */
  applicationPropertiesBytes: Buffer | undefined;
  /** Body sections and footer. */
  bodyBytes: Buffer;
  /** Encoded size as received, the figure message size limits and `sizeInBytes` use. */
  size: number;
}

export function withApplicationProperties(content: MessageContent, changes: Record<string, unknown>): MessageContent {
  if (Object.keys(changes).length === 0) return content;
  return {
    ...content,
    applicationProperties: { ...content.applicationProperties, ...changes },
    applicationPropertiesBytes: undefined,
  };
}

/** Message ids may be strings, numbers, uuids or binary; duplicate detection needs one comparable key. */
export function messageIdKey(messageId: unknown): string | undefined {
  if (messageId === undefined || messageId === null) return undefined;
  if (Buffer.isBuffer(messageId)) return `b:${messageId.toString('hex')}`;
  return `${typeof messageId}:${String(messageId)}`;
}

/** The view of a message the subscription filters evaluate. Property names are matched case-insensitively. */
export function filterView(content: MessageContent): FilterableMessage {
  let lowerCased: Map<string, unknown> | undefined;
  return {
    systemProperty(name: SystemPropertyName): unknown {
      const properties = content.properties;
      switch (name) {
        case 'MessageId':
          return displayId(properties.messageId);
        case 'CorrelationId':
          return displayId(properties.correlationId);
        case 'To':
          return properties.to;
        case 'ReplyTo':
          return properties.replyTo;
        case 'Label':
          return properties.subject;
        case 'SessionId':
          return properties.groupId;
        case 'ReplyToSessionId':
          return properties.replyToGroupId;
        case 'ContentType':
          return properties.contentType;
      }
    },
    userProperty(lowerCaseName: string): { found: boolean; value: unknown } {
      if (lowerCased === undefined) {
        lowerCased = new Map();
        for (const [key, value] of Object.entries(content.applicationProperties ?? {})) {
          lowerCased.set(key.toLowerCase(), value);
        }
      }
      return { found: lowerCased.has(lowerCaseName), value: lowerCased.get(lowerCaseName) };
    },
  };
}

function displayId(id: unknown): unknown {
  if (id === undefined || id === null) return undefined;
  if (Buffer.isBuffer(id) && id.length === 16) {
    const hex = id.toString('hex');
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
  }
  return typeof id === 'number' ? String(id) : id;
}
