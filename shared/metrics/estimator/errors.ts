/**
 * Estimator failures. A whole source that cannot be estimated throws `EstimatorError` (retryable when the Cosmos DB
 * answer was transient); a single lease that cannot be measured becomes a problem in the estimate instead, with one of
 * the codes below, so one bad lease never hides the others.
 */
import { CosmosSyncError, messageOf } from '../../errors.js';

export type EstimatorErrorCode =
  /** The source connection is not among the resolved connections (a wiring bug; config parsing resolves them). */
  | 'ESTIMATOR_CONNECTION_MISSING'
  /** The monitored container (or its database) could not be read. */
  | 'ESTIMATOR_CONTAINER_UNREADABLE'
  /** The lease container could not be queried. */
  | 'ESTIMATOR_LEASES_UNREADABLE';

/** Codes of the per-lease and per-source problems reported inside an estimate (never thrown). */
export type EstimatorProblemCode =
  | EstimatorErrorCode
  /** No lease under the source's lease prefix for this container: the trigger has not started yet, or looks elsewhere. */
  | 'ESTIMATOR_NO_LEASES'
  /** A document under the lease prefix is not a lease the processor could have written. */
  | 'ESTIMATOR_LEASE_INVALID'
  /** The lease was never checkpointed and the source starts from "now": where its processor started is not recorded. */
  | 'ESTIMATOR_LEASE_NOT_STARTED'
  /** The lease names no range and its lease token is not a current partition key range. */
  | 'ESTIMATOR_LEASE_RANGE_UNKNOWN'
  /** The lease's mode differs from the configured one; it is estimated in the lease's mode (what its token means). */
  | 'ESTIMATOR_LEASE_MODE_MISMATCH'
  /** Reading the change feed from the lease's position failed. */
  | 'ESTIMATOR_FEED_UNREADABLE'
  /** The range read was split between listing the ranges and reading it (410/1002); the next run reads the children. */
  | 'ESTIMATOR_LEASE_RANGE_GONE'
  /** Child leases cover the whole lease (a split the trigger is finishing): it is counted under them, not itself. */
  | 'ESTIMATOR_LEASE_SUPERSEDED'
  /** Two leases cover overlapping ranges without one containing the other: both are counted (possibly twice). */
  | 'ESTIMATOR_LEASES_OVERLAP'
  /** The response's session token carries no LSN. */
  | 'ESTIMATOR_SESSION_TOKEN_INVALID'
  /** The first pending change has no LSN (`_lsn`, or `metadata.lsn` in AllVersionsAndDeletes). */
  | 'ESTIMATOR_ITEM_WITHOUT_LSN'
  /** The first pending change has no timestamp (`_ts`, or `metadata.crts`): pending is known, the time lag is not. */
  | 'ESTIMATOR_ITEM_WITHOUT_TIMESTAMP'
  /** estimateSources only: estimating the source failed with an error that is not an EstimatorError. */
  | 'UNEXPECTED';

export class EstimatorError extends CosmosSyncError {
  constructor(
    readonly code: EstimatorErrorCode,
    message: string,
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** The HTTP status of a Cosmos SDK failure; undefined when no answer came back (network, DNS, token). */
export function cosmosStatusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** No answer, timeouts, throttling, "retry with", gone (splits) and server errors may pass; the rest will not. */
export function isTransientStatus(status: number | undefined): boolean {
  return status === undefined || status === 408 || status === 410 || status === 429 || status === 449 || status >= 500;
}

export function describeCosmosError(error: unknown): string {
  const status = cosmosStatusOf(error);
  const message = messageOf(error);
  // The SDK's messages can be a whole JSON body; the first line says what happened.
  const first = message.split('\n')[0]?.slice(0, 300) ?? '';
  return status === undefined ? first : `${status}: ${first}`;
}

/** Wraps a Cosmos SDK failure of a source-level step; `action` says what was attempted. */
export function estimatorErrorFrom(code: EstimatorErrorCode, action: string, error: unknown): EstimatorError {
  if (error instanceof EstimatorError) return error;
  const status = cosmosStatusOf(error);
  const hint = status === 401 || status === 403 ? ' (check the account key or the identity role assignment)' : '';
  return new EstimatorError(code, `${action} failed: ${describeCosmosError(error)}${hint}`, isTransientStatus(status), {
    cause: error,
  });
}
