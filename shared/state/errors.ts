/**
 * Failures of the state and metrics tables, typed so callers can tell "try again later" from "someone has to look".
 */
import { CosmosSyncError, messageOf, statusOf } from '../errors.js';

export type StateErrorCode =
  /** The table service cannot be reached or is overloaded. */
  | 'STATE_UNAVAILABLE'
  /** Other writers kept changing the row through every optimistic-concurrency retry. */
  | 'STATE_CONTENTION'
  /** The service refused the request for a reason retrying will not fix (access denied, bad request). */
  | 'STATE_REJECTED'
  /** A stored row does not have the expected shape; the row is left untouched for inspection. */
  | 'STATE_ROW_INVALID';

const RETRYABLE: Record<StateErrorCode, boolean> = {
  STATE_UNAVAILABLE: true,
  STATE_CONTENTION: true,
  STATE_REJECTED: false,
  STATE_ROW_INVALID: false,
};

export class StateStoreError extends CosmosSyncError {
  readonly retryable: boolean;

  constructor(
    readonly code: StateErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.retryable = RETRYABLE[code];
  }
}

/** Turns a Tables SDK failure into a typed error; `action` says what was attempted, e.g. "read state row a/b". */
export function stateErrorFrom(error: unknown, action: string): StateStoreError {
  if (error instanceof StateStoreError) return error;
  // Undefined for network errors, which never got a response.
  const status = statusOf(error);
  const detail = messageOf(error);
  // No status means no answer (refused, reset, DNS, token acquisition): the service may well be back soon.
  const transient = status === undefined || status === 408 || status === 429 || status >= 500;
  const code: StateErrorCode = transient ? 'STATE_UNAVAILABLE' : 'STATE_REJECTED';
  const hint = status === 401 || status === 403 ? ' (check the storage role assignment or key)' : '';
  return new StateStoreError(code, `${action} failed${status ? ` with ${status}` : ''}: ${detail}${hint}`, {
    cause: error,
  });
}
