/**
 * How Blob storage failures map onto the target contract. Whole-store problems (network, timeouts, throttling, 5xx,
 * a missing container) throw a transient `TargetError` so the batch is retried; a refusal of one blob (400 bad
 * name or metadata, 403, an infinite lease held by someone else, an immutability policy) rejects only that event.
 */
import type { ChangeEvent } from '../../events/envelope.js';
import { TargetError, type ApplyOutcome } from '../target.js';
import { messageOf, statusOf } from '../../errors.js';

export interface StorageFailure {
  /** HTTP status; undefined when no response arrived (connection refused or reset, timeout). */
  status: number | undefined;
  /** The service's error code (`x-ms-error-code`), e.g. `ConditionNotMet`; absent on HEAD responses. */
  code: string | undefined;
  message: string;
}

export function storageFailureOf(error: unknown): StorageFailure {
  const fields = (typeof error === 'object' && error !== null ? error : {}) as Record<string, unknown>;
  const status = statusOf(error);
  const code = typeof fields['code'] === 'string' ? fields['code'] : undefined;
  const message = messageOf(error);
  // The service appends RequestId/Time lines to every message; the first line is the useful part.
  return { status, code, message: message.split('\n')[0] ?? message };
}

export const isTransientFailure = (failure: StorageFailure): boolean =>
  failure.status === undefined || failure.status === 408 || failure.status === 429 || failure.status >= 500;

/** Another writer changed or created the blob between our read and our write: read again and decide again. */
export const isLostRace = (failure: StorageFailure): boolean =>
  (failure.status === 412 && failure.code === 'ConditionNotMet') ||
  (failure.status === 409 && failure.code === 'BlobAlreadyExists');

export const isMissingContainer = (failure: StorageFailure): boolean =>
  failure.status === 404 && failure.code === 'ContainerNotFound';

export const isLeaseConflict = (failure: StorageFailure): boolean => failure.code === 'LeaseIdMissing';

export function storeUnavailable(what: string, failure: StorageFailure, cause: unknown): TargetError {
  const code = isMissingContainer(failure) ? 'BLOB_CONTAINER_MISSING' : 'BLOB_TARGET_UNAVAILABLE';
  const status = failure.status === undefined ? (failure.code ?? 'no response') : String(failure.status);
  return TargetError.transient(code, `${what} failed (${status}): ${failure.message}`, cause);
}

export function refused(event: ChangeEvent, failure: StorageFailure, cause: unknown): ApplyOutcome {
  const detail = failure.code ? `${failure.status} ${failure.code}` : String(failure.status);
  return {
    eventId: event.eventId,
    status: 'rejected',
    error: TargetError.permanent(
      `BLOB_${failure.status}`,
      `Blob storage refused ${event.documentId} with ${detail}: ${failure.message}`,
      cause,
    ),
  };
}

/** Throws for a whole-store failure (the batch is retried); otherwise the event is rejected on its own. */
export function failedOutcome(event: ChangeEvent, what: string, failure: StorageFailure, cause: unknown): ApplyOutcome {
  if (isTransientFailure(failure) || isMissingContainer(failure)) throw storeUnavailable(what, failure, cause);
  return refused(event, failure, cause);
}

export function rejected(event: ChangeEvent, code: string, message: string, cause?: unknown): ApplyOutcome {
  return { eventId: event.eventId, status: 'rejected', error: TargetError.permanent(code, message, cause) };
}
