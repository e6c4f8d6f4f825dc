/**
 * What a Service Bus function receives besides the messages themselves. Plain (non-SDK) bindings get bodies the way
 * the Node.js worker passes them: bytes decoded as UTF-8 and parsed as JSON when they are JSON. Trigger metadata has
 * the Service Bus extension's binding data (`deliveryCount`, `messageId`, ... for one message; `deliveryCountArray`,
 * `messageIdArray`, ... for a batch), with keys camel-cased the way the worker does it (nested keys included).
 */
import type { ServiceBusReceivedMessage } from '@azure/service-bus';

export function plainBody(message: ServiceBusReceivedMessage): unknown {
  const body: unknown = message.body;
  if (!Buffer.isBuffer(body)) return body;
  const text = body.toString('utf8');
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text; // Not JSON: the worker hands over the text itself.
  }
}

/** The worker lower-cases the first letter of every key, nested ones included (`toCamelCaseValue`). */
function camelCased(value: unknown): unknown {
  if (value instanceof Date || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(camelCased);
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [key.charAt(0).toLowerCase() + key.slice(1), camelCased(inner)]),
  );
}

function fieldsOf(message: ServiceBusReceivedMessage): Record<string, unknown> {
  const iso = (date: Date | undefined): string | undefined => date?.toISOString();
  return {
    // The AMQP header counts earlier deliveries (0 the first time) and the JS SDK passes that on; the Functions host
    // reads it through the .NET SDK, which adds one, so metadata says 1 for a first delivery.
    DeliveryCount: (message.deliveryCount ?? 0) + 1,
    DeadLetterSource: message.deadLetterSource,
    LockToken: message.lockToken,
    ExpiresAtUtc: iso(message.expiresAtUtc),
    EnqueuedTimeUtc: iso(message.enqueuedTimeUtc),
    MessageId: message.messageId,
    ContentType: message.contentType,
    ReplyTo: message.replyTo,
    SequenceNumber: message.sequenceNumber?.toNumber(),
    To: message.to,
    Subject: message.subject,
    Label: message.subject,
    CorrelationId: message.correlationId,
    SessionId: message.sessionId,
    ReplyToSessionId: message.replyToSessionId,
    ApplicationProperties: message.applicationProperties ?? {},
    UserProperties: message.applicationProperties ?? {},
  };
}

export function triggerMetadataFor(
  messages: readonly ServiceBusReceivedMessage[],
  many: boolean,
): Record<string, unknown> {
  const metadata: Record<string, unknown> = {};
  if (!many) {
    const [message] = messages;
    if (message) Object.assign(metadata, fieldsOf(message));
  } else {
    const all = messages.map(fieldsOf);
    for (const key of Object.keys(all[0] ?? {})) metadata[`${key}Array`] = all.map((fields) => fields[key]);
  }
  return camelCased(metadata) as Record<string, unknown>;
}
