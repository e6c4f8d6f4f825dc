import type { EventContext, Message, Receiver } from 'rhea';
import type { BrokerLogger } from '../broker/logger.js';
import { errorFields } from '../broker/logger.js';
import type { ConnectionRegistry } from './connection-registry.js';

/** A reply: application properties carry the status; the body carries the result. */
export interface NodeResponse {
  applicationProperties: Record<string, unknown>;
  body?: unknown;
}

export type RequestHandler = (request: Message, context: EventContext) => NodeResponse;

/**
 * Serves a request/response node ($cbs, `<entity>/$management`) on a link the client sends requests on. Each
 * request is accepted, handled, and answered on the client's reply link, correlated by the request's message-id.
 */
export function serveRequests(
  receiver: Receiver,
  connections: ConnectionRegistry,
  handle: RequestHandler,
  onFailure: (error: unknown) => NodeResponse,
  log: BrokerLogger,
): void {
  receiver.on('message', (context: EventContext) => {
    const request = context.message;
    context.delivery?.accept();
    if (request === undefined) return;
    let response: NodeResponse;
    try {
      response = handle(request, context);
    } catch (error) {
      response = onFailure(error);
    }
    const replyTo = typeof request.reply_to === 'string' ? request.reply_to : undefined;
    const replyLink = replyTo === undefined ? undefined : connections.replyLink(context.connection, replyTo);
    if (replyLink === undefined) {
      log.warn('a request named no reply link that is attached; the response is dropped', {
        node: receiver.name,
        replyTo,
      });
      return;
    }
    try {
      replyLink.send({
        correlation_id: request.message_id,
        to: replyTo,
        application_properties: response.applicationProperties,
        body: response.body,
      });
    } catch (error) {
      log.error('could not send a response', { node: receiver.name, ...errorFields(error) });
    }
  });
}
