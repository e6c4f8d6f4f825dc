/** Failures of the claim container, typed so callers tell "the blob is not there" from "storage is down". */
import { CosmosSyncError, messageOf, statusOf } from '../errors.js';

export type ClaimErrorCode =
  /** Storage did not answer, refused for now (throttled, 5xx) or refused access: retrying may help. */
  | 'CLAIM_UNAVAILABLE'
  /** The blob (or its container) does not exist: expired, deleted, or another storage account. Retrying cannot help. */
  | 'CLAIM_MISSING';

export class ClaimCheckError extends CosmosSyncError {
  readonly retryable: boolean;

  constructor(
    readonly code: ClaimErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.retryable = code !== 'CLAIM_MISSING';
  }
}

/**
 * Only a 404 is final. Everything else is retryable, a 403 included: a missing role assignment is the deployment's
 * fault, not the message's, so the message waits for the fix (redelivered, then dead-lettered) instead of being set
 * aside as if it were bad.
 */
export function claimErrorFrom(error: unknown, action: string): ClaimCheckError {
  if (error instanceof ClaimCheckError) return error;
  const status = statusOf(error);
  const code: ClaimErrorCode = status === 404 ? 'CLAIM_MISSING' : 'CLAIM_UNAVAILABLE';
  const hint = status === 401 || status === 403 ? ' (check the storage role assignment or key)' : '';
  return new ClaimCheckError(code, `${action} failed${status ? ` with ${status}` : ''}: ${messageOf(error)}${hint}`, {
    cause: error,
  });
}
