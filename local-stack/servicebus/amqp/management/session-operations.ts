import { brokerErrors } from '../../broker/broker-error.js';
import type { SessionLane } from '../../broker/session-directory.js';
import { types } from '../rhea-runtime.js';
import {
  messageQueueOf,
  noContent,
  ok,
  type ManagementOperation,
  type ManagementRequest,
} from './management-request.js';
import { longValue, optionalBinary, requiredString } from './request-fields.js';

/** Session operations of the `$management` node. Each needs the session to be locked by the calling receiver. */

const STRING_ARRAY = 0xb1;

function heldSession(request: ManagementRequest): SessionLane {
  const queue = messageQueueOf(request);
  const sessions = queue.sessions;
  if (sessions === undefined) throw brokerErrors.notAllowed(`'${request.targetAddress}' does not require sessions.`);
  const sessionId = requiredString(request.body['session-id'], 'session-id');
  const lane = sessions.get(sessionId);
  const heldByCaller =
    lane !== undefined &&
    sessions.isLocked(lane) &&
    (request.associatedLinkName === undefined || lane.holder?.linkName === request.associatedLinkName);
  if (!heldByCaller) throw brokerErrors.sessionLockLost(sessionId);
  return lane;
}

export const renewSessionLock: ManagementOperation = (request) => {
  const lane = heldSession(request);
  const lockedUntil = messageQueueOf(request).sessions?.renew(lane) ?? lane.lockedUntil;
  return ok({ expiration: new Date(lockedUntil) });
};

export const getSessionState: ManagementOperation = (request) => {
  const lane = heldSession(request);
  return ok({ 'session-state': lane.state ?? null });
};

export const setSessionState: ManagementOperation = (request) => {
  const lane = heldSession(request);
  lane.state = optionalBinary(request.body['session-state'], 'session-state');
  return ok();
};

export const getMessageSessions: ManagementOperation = (request) => {
  const sessions = messageQueueOf(request).sessions;
  if (sessions === undefined) throw brokerErrors.notAllowed(`'${request.targetAddress}' does not require sessions.`);
  const skip = longValue(request.body['skip'] ?? 0, 'skip');
  const top = longValue(request.body['top'] ?? Number.MAX_SAFE_INTEGER, 'top');
  const ids = sessions.sessionIds().slice(skip, skip + top);
  if (ids.length === 0) return noContent();
  return ok({
    skip: types.wrap_int(skip + ids.length),
    'sessions-ids': types.wrap_array(ids, STRING_ARRAY, undefined),
  });
};
