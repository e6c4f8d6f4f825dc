import type { EventContext, Receiver } from 'rhea';
import { BrokerError, brokerErrors } from '../broker/broker-error.js';
import type { BrokerLogger } from '../broker/logger.js';
import { errorFields } from '../broker/logger.js';
import type { MessageContent } from '../broker/message-content.js';
import type { SendTarget, ServiceBusNamespace } from '../broker/namespace.js';
import { BATCH_MESSAGE_FORMAT, contentFromDecoded, unpackBatch } from './message-codec.js';
import { toAmqpError } from './link-terminus.js';

/**
 * A link a client sends messages on (an SDK sender). Each delivery is a single message or a batch; it is accepted
 * once stored, or rejected with the error Service Bus would give (size, missing session id, malformed message).
 */
export function serveIncomingLink(
  receiver: Receiver,
  target: SendTarget,
  namespace: ServiceBusNamespace,
  maxMessageSizeBytes: number,
  log: BrokerLogger,
): void {
  receiver.on('message', (context: EventContext) => {
    const delivery = context.delivery;
    if (delivery === undefined) return;
    try {
      const contents = decodeDelivery(context, maxMessageSizeBytes);
      namespace.send(target, contents);
      delivery.accept();
    } catch (error) {
      if (!(error instanceof BrokerError))
        log.error('storing a sent message failed', { entity: target.name, ...errorFields(error) });
      else log.debug('refused a sent message', { entity: target.name, condition: error.condition });
      delivery.reject(toAmqpError(error) as Parameters<typeof delivery.reject>[0]);
    }
  });
}

function decodeDelivery(context: EventContext, maxMessageSizeBytes: number): MessageContent[] {
  const format = (context as { format?: unknown }).format;
  if (format === undefined || format === 0) {
    const content = contentFromDecoded(context.message);
    if (content.size > maxMessageSizeBytes) throw brokerErrors.messageSizeExceeded(content.size, maxMessageSizeBytes);
    return [content];
  }
  const payload: unknown = context.message;
  if (format !== BATCH_MESSAGE_FORMAT || !Buffer.isBuffer(payload)) {
    throw brokerErrors.decode(
      `unsupported message format ${String(format)}; Service Bus accepts 0 and 0x80013700 (batch)`,
    );
  }
  if (payload.length > maxMessageSizeBytes) throw brokerErrors.messageSizeExceeded(payload.length, maxMessageSizeBytes);
  return unpackBatch(payload);
}
