import { brokerErrors } from '../../broker/broker-error.js';
import { lockTokenBytes } from '../../broker/lock-token.js';
import { encodeForReceiver } from '../delivery-encoder.js';
import { types } from '../rhea-runtime.js';
import { messageQueueOf, noContent, ok, type ManagementOperation } from './management-request.js';
import { lockTokenArray, longArray, longValue, optionalMap, optionalString } from './request-fields.js';

/** Message operations of the `$management` node: renew-lock, peek, receive-by-sequence-number, update-disposition. */

const TIMESTAMP = 0x83;

export const renewLock: ManagementOperation = (request) => {
  const queue = messageQueueOf(request);
  const expirations = lockTokenArray(request.body['lock-tokens'], 'lock-tokens').map((token) => queue.renewLock(token));
  return ok({ expirations: types.wrap_array(expirations, TIMESTAMP, undefined) });
};

export const peekMessage: ManagementOperation = (request) => {
  const queue = messageQueueOf(request);
  const from = longValue(request.body['from-sequence-number'] ?? 1, 'from-sequence-number');
  const count = longValue(request.body['message-count'] ?? 1, 'message-count');
  if (count < 1) throw brokerErrors.argument("'message-count' must be at least 1.");
  const sessionId = optionalString(request.body['session-id'], 'session-id');
  const messages = queue.peek(from, count, sessionId);
  if (messages.length === 0) return noContent();
  return ok({ messages: messages.map((message) => ({ message: encodeForReceiver(message, { includeState: true }) })) });
};

export const receiveBySequenceNumber: ManagementOperation = (request) => {
  const queue = messageQueueOf(request);
  const sequenceNumbers = longArray(request.body['sequence-numbers'], 'sequence-numbers');
  const settleMode = request.body['receiver-settle-mode'];
  const mode = settleMode === 0 ? 'receiveAndDelete' : 'peekLock';
  const sessionId = optionalString(request.body['session-id'], 'session-id');
  const messages = queue.receiveDeferred(sequenceNumbers, mode, sessionId, (message) => {
    const encoded = encodeForReceiver(
      message,
      mode === 'peekLock' ? { lockedUntil: message.lockedUntil, lockToken: message.lockToken } : {},
    );
    return message.lockToken === undefined
      ? { message: encoded }
      : { 'lock-token': types.wrap_uuid(lockTokenBytes(message.lockToken)), message: encoded };
  });
  return ok({ messages });
};

export const updateDisposition: ManagementOperation = (request) => {
  const queue = messageQueueOf(request);
  const tokens = lockTokenArray(request.body['lock-tokens'], 'lock-tokens');
  const status = optionalString(request.body['disposition-status'], 'disposition-status');
  const propertiesToModify = optionalMap(request.body['properties-to-modify'], 'properties-to-modify');
  for (const token of tokens) {
    switch (status) {
      case 'completed':
        queue.complete(token);
        break;
      case 'abandoned':
        queue.abandon(token, propertiesToModify);
        break;
      case 'defered': // the SDK's spelling
      case 'deferred':
        queue.defer(token, propertiesToModify);
        break;
      case 'suspended':
        queue.deadLetterLocked(token, {
          reason: optionalString(request.body['deadletter-reason'], 'deadletter-reason'),
          description: optionalString(request.body['deadletter-description'], 'deadletter-description'),
          propertiesToModify,
        });
        break;
      default:
        throw brokerErrors.argument(
          `'disposition-status' must be completed, abandoned, defered or suspended, not '${String(status)}'.`,
        );
    }
  }
  return ok();
};
