import { brokerErrors } from '../../broker/broker-error.js';
import type { MessageQueue } from '../../broker/message-queue.js';
import type { ResolvedEntity, SendTarget, ServiceBusNamespace } from '../../broker/namespace.js';
import type { NodeResponse } from '../request-response.js';
import { types } from '../rhea-runtime.js';

/** A `$management` request, already tied to the entity whose management node it was sent to. */
export interface ManagementRequest {
  operation: string;
  body: Record<string, unknown>;
  /** The receiver link the request acts for (session operations check it holds the session). */
  associatedLinkName: string | undefined;
  target: ResolvedEntity;
  targetAddress: string;
  namespace: ServiceBusNamespace;
}

export type ManagementOperation = (request: ManagementRequest) => NodeResponse;

/**
 * Service Bus management responses use camel-cased status properties (the $cbs node uses dashed ones), typed as the
 * service sends them: statusCode an int, statusDescription a string, errorCondition a symbol. Clients check the
 * types: uamqp reads the status with `amqpvalue_get_int`, .NET casts it to int and the condition to AmqpSymbol.
 */
export function ok(body?: Record<string, unknown>): NodeResponse {
  return { applicationProperties: status(200, 'OK'), body };
}

export function noContent(): NodeResponse {
  return { applicationProperties: status(204, 'No Content'), body: {} };
}

export function errorResponse(statusCode: number, condition: string, description: string): NodeResponse {
  return {
    applicationProperties: { ...status(statusCode, description), errorCondition: types.wrap_symbol(condition) },
  };
}

function status(code: number, description: string): Record<string, unknown> {
  return { statusCode: types.wrap_int(code), statusDescription: description };
}

/** The queue, subscription or dead-letter queue a message operation works on. */
export function messageQueueOf(request: ManagementRequest): MessageQueue {
  if (request.target.kind === 'topic') {
    throw brokerErrors.notAllowed(
      `'${request.operation}' is not valid on topic '${request.targetAddress}'; use one of its subscriptions.`,
    );
  }
  return request.target.queue;
}

/** The queue or topic a scheduling operation works on. */
export function sendTargetOf(request: ManagementRequest): SendTarget {
  if (request.target.kind === 'queue' || request.target.kind === 'topic') return request.target.entity;
  throw brokerErrors.notAllowed(
    `'${request.operation}' is only valid on queues and topics, not on '${request.targetAddress}'.`,
  );
}
