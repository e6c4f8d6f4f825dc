import type { Message } from 'rhea';
import { BrokerError, brokerErrors } from '../broker/broker-error.js';
import { parseEntityAddress } from '../broker/entity-address.js';
import type { BrokerLogger } from '../broker/logger.js';
import { errorFields } from '../broker/logger.js';
import type { ServiceBusNamespace } from '../broker/namespace.js';
import type { NodeResponse } from './request-response.js';
import { types } from './rhea-runtime.js';

/**
 * The claims-based-security node. Any token is accepted (there is nothing to protect locally), but the audience
 * must name an entity that exists: Service Bus answers put-token for a missing entity with 404, and that answer is
 * how the SDK raises `MessagingEntityNotFound` before it even attaches a link.
 */
export function handleCbsRequest(request: Message, namespace: ServiceBusNamespace): NodeResponse {
  const properties = (request.application_properties ?? {}) as Record<string, unknown>;
  const operation = properties['operation'];
  if (operation !== 'put-token') {
    return cbsStatus(400, `The $cbs node supports only the 'put-token' operation, not '${String(operation)}'.`);
  }
  const audience = properties['name'];
  if (typeof audience !== 'string')
    return cbsStatus(400, "A put-token request must name the audience in the 'name' property.");
  const address = parseEntityAddress(audience);
  // An audience of the namespace itself (`sb://host/`) is valid too.
  if (address !== undefined && namespace.resolve(address.entityPath) === undefined) {
    const error = brokerErrors.entityNotFound(address.entityPath, namespace.name);
    return cbsStatus(error.statusCode, error.message);
  }
  return cbsStatus(202, 'Accepted');
}

export function cbsFailure(error: unknown, log: BrokerLogger): NodeResponse {
  if (!(error instanceof BrokerError)) log.error('a $cbs request failed', errorFields(error));
  const brokerError = error instanceof BrokerError ? error : brokerErrors.internal();
  return cbsStatus(brokerError.statusCode, brokerError.message);
}

/** $cbs answers with dashed property names, unlike $management: status-code an int, status-description a string. */
function cbsStatus(code: number, description: string): NodeResponse {
  return { applicationProperties: { 'status-code': types.wrap_int(code), 'status-description': description } };
}
