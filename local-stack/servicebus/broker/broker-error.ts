import { randomUUID } from 'node:crypto';

/**
 * An error the broker reports to a client: an AMQP condition the SDK maps to a `ServiceBusError.code`, a description
 * worded like Service Bus's, and the status code used when it travels in a management or CBS response.
 */
export class BrokerError extends Error {
  override readonly name = 'BrokerError';

  constructor(
    readonly condition: string,
    description: string,
    readonly statusCode: number,
  ) {
    super(description);
  }
}

/** Service Bus appends a tracking suffix to its descriptions; keeping the shape helps anyone matching on text. */
function tracked(description: string, tracker: string): string {
  return `${description} TrackingId:${randomUUID()}, SystemTracker:${tracker}, Timestamp:${new Date().toISOString()}`;
}

/** What Service Bus says when it fails internally; the details stay in the broker's log. */
const INTERNAL_ERROR =
  'The service was unable to process the request; please retry the operation. For more information on exception types and proper exception handling, please refer to https://aka.ms/ServiceBusExceptions .';

export const brokerErrors = {
  /**
   * The SDKs recognise this wording (and the 404, or `amqp:not-found`) and raise `MessagingEntityNotFound`. Service
   * Bus names the entity with its namespace; so does this, by the namespace's configured name rather than the
   * broker's host and port (descriptions never echo the listener's address).
   */
  entityNotFound(entityPath: string, namespace: string): BrokerError {
    return new BrokerError(
      'amqp:not-found',
      tracked(
        `The messaging entity '${namespace}:${entityPath}' could not be found. To know more visit https://aka.ms/sbResourceMgrExceptions. `,
        `${namespace}:${entityPath}`,
      ),
      404,
    );
  },
  messageLockLost(): BrokerError {
    return new BrokerError(
      'com.microsoft:message-lock-lost',
      'The lock supplied is invalid. Either the lock expired, or the message has already been removed from the queue, or was received by a different receiver instance.',
      410,
    );
  },
  sessionLockLost(sessionId: string | undefined): BrokerError {
    return new BrokerError(
      'com.microsoft:session-lock-lost',
      `The session lock has expired on the MessageSession${sessionId === undefined ? '' : ` '${sessionId}'`}. Accept a new MessageSession.`,
      410,
    );
  },
  sessionCannotBeLocked(sessionId: string): BrokerError {
    return new BrokerError(
      'com.microsoft:session-cannot-be-locked',
      `The requested session '${sessionId}' cannot be accepted. It may be locked by another receiver.`,
      410,
    );
  },
  noSessionAvailable(): BrokerError {
    return new BrokerError(
      'com.microsoft:timeout',
      'The operation did not complete within the allocated time: no unlocked session with messages became available.',
      408,
    );
  },
  messageSizeExceeded(size: number, limit: number): BrokerError {
    return new BrokerError(
      'amqp:link:message-size-exceeded',
      `The received message (delivery-id:0, size:${size} bytes) exceeds the limit (${limit} bytes) currently allowed on the link.`,
      403,
    );
  },
  sessionIdMissing(): BrokerError {
    return new BrokerError(
      'amqp:not-allowed',
      'The SessionId was not set on a message, and it cannot be sent to the entity. Entities that have session support enabled can only receive messages that have the SessionId set to a valid value.',
      400,
    );
  },
  notAllowed(description: string): BrokerError {
    return new BrokerError('amqp:not-allowed', description, 400);
  },
  messageNotFound(description: string): BrokerError {
    return new BrokerError('com.microsoft:message-not-found', description, 404);
  },
  argument(description: string): BrokerError {
    return new BrokerError('com.microsoft:argument-error', description, 400);
  },
  decode(description: string): BrokerError {
    return new BrokerError('amqp:decode-error', description, 400);
  },
  notImplemented(description: string): BrokerError {
    return new BrokerError('amqp:not-implemented', description, 501);
  },
  /**
   * An unexpected failure. The description is the service's generic one unless the caller gives a fixed one of its
   * own; never pass an exception's message (it may hold file paths, addresses or a stack).
   */
  internal(description = INTERNAL_ERROR): BrokerError {
    return new BrokerError('amqp:internal-error', description, 500);
  },
};
