/**
 * How an event becomes a Service Bus message. Everything a subscription rule or an operator may filter on is an
 * application property; the body is the envelope as UTF-8 JSON bytes (a data section), which every Service Bus
 * client reads the same way.
 */
import type { ServiceBusMessage } from '@azure/service-bus';
import type { ChangeEvent } from '../events/envelope.js';
import { sessionIdFor } from '../events/ids.js';
import { readPath } from '../events/map-change.js';

export interface MessageOptions {
  sessionBuckets: number;
  /** Document field copied to the `type` property so subscriptions can filter by document type. */
  typeField?: string | undefined;
}

/**
 * Throws (a TypeError from JSON.stringify) when the payload holds a BigInt or a cycle; the publisher quarantines such
 * documents. Serialising here, once, is also the only place the document is stringified on the publish path.
 *
 * Application properties are kept to what subscription rules need: the SDK's AMQP encoding costs about as much per
 * property as the whole body, and the version is in the body anyway.
 */
export function toServiceBusMessage(event: ChangeEvent, options: MessageOptions): ServiceBusMessage {
  const properties: Record<string, string | number> = {
    source: event.source.name,
    operation: event.operation,
    schemaVersion: event.schemaVersion,
  };
  if (options.typeField && event.operation === 'upsert') {
    const type = readPath(event.payload, options.typeField);
    if (typeof type === 'string' || typeof type === 'number') properties['type'] = type;
  }
  return {
    body: Buffer.from(JSON.stringify(event), 'utf8'),
    contentType: 'application/json',
    messageId: event.eventId,
    sessionId: sessionIdFor(event.partitionKey, options.sessionBuckets),
    subject: event.operation,
    applicationProperties: properties,
  };
}
