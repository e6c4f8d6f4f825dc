/**
 * Which Redis failures are worth retrying. No reply at all (the connection dropped, a timeout, the client not
 * connected) and replies that say "not now" are transient for the whole batch; any other error, for one key
 * (WRONGTYPE on a key someone else wrote) or for a value the target will not send, is permanent for that event only.
 */
import { TargetError } from '../target.js';
import { messageOf } from '../../errors.js';

/** Error replies that mean the server cannot take writes now but will. */
const TRANSIENT_REPLIES = [
  'LOADING',
  'BUSY',
  'TRYAGAIN',
  'CLUSTERDOWN',
  'MASTERDOWN',
  'READONLY',
  'OOM',
  'NOREPLICAS',
  'MISCONF',
  'NOSCRIPT',
];

/** The first word of an error reply: WRONGTYPE, ERR, OOM, ... */
export const replyCode = (message: string): string => /^[A-Z]+/.exec(message)?.[0] ?? 'ERR';

export const isTransientReply = (message: string): boolean => TRANSIENT_REPLIES.includes(replyCode(message));

/** ioredis names server error replies `ReplyError`; any other error never got the server's verdict. */
export function isTransientRedisError(error: unknown): boolean {
  if (!(error instanceof Error) || error.name !== 'ReplyError') return true;
  return isTransientReply(error.message);
}

export function batchError(target: string, error: unknown): TargetError {
  const message = messageOf(error);
  return TargetError.transient('REDIS_UNAVAILABLE', `Redis target ${target}: ${message}`, error);
}

/** The permanent error of one event, from the error text Redis gave for its key. */
export function keyError(documentId: string, reply: string, cause?: unknown): TargetError {
  return TargetError.permanent(`REDIS_${replyCode(reply)}`, `Redis refused document ${documentId}: ${reply}`, cause);
}
