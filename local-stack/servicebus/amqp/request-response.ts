import type { EventContext, Message, Receiver } from 'rhea';
import type { BrokerLogger } from '../broker/logger.js';
import { errorFields } from '../broker/logger.js';
import type { ConnectionRegistry } from './connection-registry.js';
import { correlationIdFor, writeSettlementsNow } from './rhea-runtime.js';

/**
 * A reply: application properties carry the status; the body carries the result. Values are encoded as typed here
 * (rhea encodes a bare number as the smallest unsigned type), so the status code is given as an AMQP int.
 */
export interface NodeResponse {
  applicationProperties: Record<string, unknown>;
  body?: unknown;
}

export type RequestHandler = (request: Message, context: EventContext) => NodeResponse;

/**
 * Serves a request/response node ($cbs, `<entity>/$management`) on a link the client sends requests on. Each
 * request is accepted, and its disposition written, before it is handled and answered: uamqp fails a call whose
 * response arrives before the disposition of its request. The answer goes to the client's reply link named by the
 * request's reply-to or, when it names none, to the reply link paired with the request link (same node, same
 * session), correlated by the request's message-id with its AMQP type kept.
 */
export function serveRequests(
  receiver: Receiver,
  node: string,
  connections: ConnectionRegistry,
  handle: RequestHandler,
  onFailure: (error: unknown) => NodeResponse,
  log: BrokerLogger,
): void {
  receiver.on('message', (context: EventContext) => {
    const request = context.message;
    const delivery = context.delivery;
    if (delivery !== undefined) {
      delivery.accept();
      writeSettlementsNow(receiver);
    }
    if (request === undefined) return;
    let response: NodeResponse;
    try {
      response = handle(request, context);
    } catch (error) {
      response = onFailure(error);
    }
    const replyTo = typeof request.reply_to === 'string' && request.reply_to !== '' ? request.reply_to : undefined;
    const replyLink =
      replyTo === undefined
        ? connections.pairedReplyLink(receiver, node)
        : connections.replyLink(context.connection, replyTo);
    if (replyLink === undefined) {
      log.warn(
        replyTo === undefined
          ? 'a request without reply-to came on a link with no paired reply link; the response is dropped'
          : 'a request named no reply link that is attached; the response is dropped',
        { node: receiver.name, replyTo },
      );
      return;
    }
    try {
      replyLink.send({
        correlation_id: correlationIdFor(request.message_id) as Message['correlation_id'],
        to: replyTo,
        application_properties: response.applicationProperties,
        body: response.body,
      });
    } catch (error) {
      log.error('could not send a response', { node: receiver.name, ...errorFields(error) });
    }
  });
}
