import { brokerErrors } from '../../broker/broker-error.js';
import { parseEncodedMessage } from '../message-codec.js';
import { types } from '../rhea-runtime.js';
import { ok, sendTargetOf, type ManagementOperation } from './management-request.js';
import { longArray, optionalBinary, requestMap } from './request-fields.js';

/** Scheduling operations of the `$management` node (queues and topics). */

const LONG = 0x81;

export const scheduleMessage: ManagementOperation = (request) => {
  const target = sendTargetOf(request);
  const entries = request.body['messages'];
  if (!Array.isArray(entries) || entries.length === 0)
    throw brokerErrors.argument("'messages' must be a non-empty list.");
  const contents = entries.map((entry) => {
    const encoded = optionalBinary(requestMap(entry, 'schedule-message').message, 'message');
    if (encoded === undefined) throw brokerErrors.argument("Each scheduled message needs its encoded 'message'.");
    return parseEncodedMessage(encoded);
  });
  const sequenceNumbers = request.namespace.send(target, contents).map((sequenceNumber) => sequenceNumber ?? 0);
  return ok({ 'sequence-numbers': types.wrap_array(sequenceNumbers, LONG, undefined) });
};

export const cancelScheduledMessage: ManagementOperation = (request) => {
  const target = sendTargetOf(request);
  request.namespace.cancelScheduled(target, longArray(request.body['sequence-numbers'], 'sequence-numbers'));
  return ok();
};
