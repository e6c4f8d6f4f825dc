import type { Message } from 'rhea';
import { BrokerError, brokerErrors } from '../../broker/broker-error.js';
import type { BrokerLogger } from '../../broker/logger.js';
import { errorFields } from '../../broker/logger.js';
import type { ResolvedEntity, ServiceBusNamespace } from '../../broker/namespace.js';
import type { NodeResponse } from '../request-response.js';
import { errorResponse, type ManagementOperation } from './management-request.js';
import { peekMessage, receiveBySequenceNumber, renewLock, updateDisposition } from './message-operations.js';
import { requestMap } from './request-fields.js';
import { cancelScheduledMessage, scheduleMessage } from './schedule-operations.js';
import { getMessageSessions, getSessionState, renewSessionLock, setSessionState } from './session-operations.js';

const OPERATIONS: Record<string, ManagementOperation> = {
  'com.microsoft:renew-lock': renewLock,
  'com.microsoft:peek-message': peekMessage,
  'com.microsoft:receive-by-sequence-number': receiveBySequenceNumber,
  'com.microsoft:update-disposition': updateDisposition,
  'com.microsoft:renew-session-lock': renewSessionLock,
  'com.microsoft:get-session-state': getSessionState,
  'com.microsoft:set-session-state': setSessionState,
  'com.microsoft:get-message-sessions': getMessageSessions,
  'com.microsoft:schedule-message': scheduleMessage,
  'com.microsoft:cancel-scheduled-message': cancelScheduledMessage,
};

export const SUPPORTED_MANAGEMENT_OPERATIONS = Object.keys(OPERATIONS);

/** Answers one request sent to `<entity>/$management`. */
export function handleManagementRequest(
  request: Message,
  target: ResolvedEntity,
  targetAddress: string,
  namespace: ServiceBusNamespace,
): NodeResponse {
  const properties = (request.application_properties ?? {}) as Record<string, unknown>;
  const operation = typeof properties['operation'] === 'string' ? properties['operation'] : '';
  const handler = OPERATIONS[operation];
  if (handler === undefined) {
    throw brokerErrors.notImplemented(
      `The management operation '${operation}' is not supported by the local Service Bus broker. Supported: ${SUPPORTED_MANAGEMENT_OPERATIONS.join(', ')}.`,
    );
  }
  const associated = properties['associated-link-name'];
  return handler({
    operation,
    body: requestMap(request.body ?? {}, operation),
    associatedLinkName: typeof associated === 'string' ? associated : undefined,
    target,
    targetAddress,
    namespace,
  });
}

/** The error response for a failed request; an unexpected failure is logged and answered generically. */
export function managementFailure(error: unknown, log: BrokerLogger): NodeResponse {
  if (!(error instanceof BrokerError)) log.error('a $management request failed', errorFields(error));
  const brokerError = error instanceof BrokerError ? error : brokerErrors.internal();
  return errorResponse(brokerError.statusCode, brokerError.condition, brokerError.message);
}
