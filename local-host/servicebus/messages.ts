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

/**
 * The binding data of one message, keyed as the worker hands it over (already camel-cased: building it that way costs
 * a fraction of converting PascalCase keys per message, which showed in profiles of large batches).
 */
function fieldsOf(message: ServiceBusReceivedMessage): Record<string, unknown> {
  const iso = (date: Date | undefined): string | undefined => date?.toISOString();
  const properties = camelCased(message.applicationProperties ?? {});
  return {
    // The AMQP header counts earlier deliveries (0 the first time) and the JS SDK passes that on; the Functions host
    // reads it through the .NET SDK, which adds one, so metadata says 1 for a first delivery.
    deliveryCount: (message.deliveryCount ?? 0) + 1,
    deadLetterSource: message.deadLetterSource,
    lockToken: message.lockToken,
    expiresAtUtc: iso(message.expiresAtUtc),
    enqueuedTimeUtc: iso(message.enqueuedTimeUtc),
    messageId: message.messageId,
    contentType: message.contentType,
    replyTo: message.replyTo,
    sequenceNumber: message.sequenceNumber?.toNumber(),
    to: message.to,
    subject: message.subject,
    label: message.subject,
    correlationId: message.correlationId,
    sessionId: message.sessionId,
    replyToSessionId: message.replyToSessionId,
    applicationProperties: properties,
    userProperties: properties,
  };
}

export function triggerMetadataFor(
  messages: readonly ServiceBusReceivedMessage[],
  many: boolean,
): Record<string, unknown> {
  if (!many) {
    const [message] = messages;
    return message ? fieldsOf(message) : {};
  }
  const all = messages.map(fieldsOf);
  const metadata: Record<string, unknown> = {};
  for (const key of Object.keys(all[0] ?? {})) metadata[`${key}Array`] = all.map((fields) => fields[key]);
  return metadata;
}
