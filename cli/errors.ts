/**
 * Exit codes and the error the CLI raises when it cannot get a status. Scripts and CI jobs branch on the exit code, so
 * these numbers are part of the documented contract (docs/metrics.md); 64 is EX_USAGE from sysexits.h.
 */
import { CosmosSyncError } from '../shared/errors.js';
import { redactSecrets } from '../shared/redact.js';
import type { Health } from '../shared/status/report.js';

export const EXIT = {
  ok: 0,
  /** degraded, or unknown (something could not be measured): look, but nothing is known to be broken. */
  degraded: 1,
  failing: 2,
  /** No status at all: unreachable, refused, timed out, HTTP error, not JSON, wrong schema. */
  unavailable: 3,
  usage: 64,
} as const;

export function exitCodeFor(health: Health): number {
  switch (health) {
    case 'ok':
      return EXIT.ok;
    case 'failing':
      return EXIT.failing;
    case 'degraded':
    case 'unknown':
      return EXIT.degraded;
  }
}

export type StatusErrorCode =
  | 'STATUS_CONNECTION_REFUSED'
  | 'STATUS_HOST_NOT_FOUND'
  | 'STATUS_TLS'
  | 'STATUS_NETWORK'
  | 'STATUS_TIMEOUT'
  | 'STATUS_UNAUTHORIZED'
  | 'STATUS_FORBIDDEN'
  | 'STATUS_NOT_FOUND'
  | 'STATUS_SERVER_ERROR'
  | 'STATUS_HTTP'
  | 'STATUS_INVALID_JSON'
  | 'STATUS_SCHEMA_VERSION'
  | 'STATUS_SCHEMA_MISMATCH';

const RETRYABLE: ReadonlySet<StatusErrorCode> = new Set([
  'STATUS_CONNECTION_REFUSED',
  'STATUS_NETWORK',
  'STATUS_TIMEOUT',
  'STATUS_SERVER_ERROR',
]);

/** The status could not be fetched or read. `message` is one line: the cause, then ` — ` and the next step. */
export class StatusUnavailableError extends CosmosSyncError {
  readonly retryable: boolean;

  constructor(
    readonly code: StatusErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.retryable = RETRYABLE.has(code);
  }
}

/** A bad option or environment variable: the command never ran. */
export class UsageError extends Error {
  override readonly name = 'UsageError';

  // Usage errors quote what the user passed, and a pasted function URL carries its key in `?code=`.
  constructor(message: string) {
    super(redactSecrets(message));
  }
}
