/**
 * Typed errors. Every error the app raises on purpose carries a stable `code` (for logs, metrics and poison
 * reasons), a `retryable` flag (transient: throw and let the trigger retry; permanent: quarantine or set aside at
 * once) and the `cause` it wraps, so no failure is reduced to a bare message.
 */
import { redactSecrets } from './redact.js';

export abstract class CosmosSyncError extends Error {
  abstract readonly code: string;
  abstract readonly retryable: boolean;

  constructor(message: string, options?: { cause?: unknown }) {
    // Messages are logged, stored in state rows and shown by the status API; SDK texts folded into them can quote a
    // connection string or a signed URL, so every typed error is redacted once, here.
    super(redactSecrets(message), options);
    this.name = new.target.name;
  }

  /** A plain object for structured logs; never includes payloads or secrets. */
  toLogFields(): { errorCode: string; retryable: boolean; message: string } {
    return { errorCode: this.code, retryable: this.retryable, message: this.message };
  }
}

/** A setting is missing or malformed. Raised once at start-up; the app does not start. */
export class ConfigError extends CosmosSyncError {
  readonly code = 'CONFIG_INVALID';
  readonly retryable = false;

  constructor(message: string, problems: readonly string[]) {
    super(message);
    this.problems = problems.map(redactSecrets);
  }

  /** One line per bad setting: `NAME: what is wrong (expected form)`, redacted like the message. */
  readonly problems: readonly string[];
}

/**
 * The Functions host is shutting the app down: work in flight stops at the next step that can stop (a retry's wait,
 * the next request) instead of running its course. Retryable: the batch is abandoned (Service Bus delivers it again)
 * or not checkpointed (the change feed hands it over again), so nothing is lost.
 */
export class ShutdownError extends CosmosSyncError {
  readonly code = 'SHUTTING_DOWN';
  readonly retryable = true;

  constructor() {
    super('the app is shutting down');
  }
}

/** True for errors the caller should retry (typed errors by their flag; anything unknown is treated as transient). */
export function isRetryable(error: unknown): boolean {
  return error instanceof CosmosSyncError ? error.retryable : true;
}

/** The stable code of an error, or `UNEXPECTED` for errors not raised by this app on purpose. */
export function errorCode(error: unknown): string {
  return error instanceof CosmosSyncError ? error.code : 'UNEXPECTED';
}

/** The message of anything thrown: an Error's own message, otherwise its string form. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * The HTTP status an SDK error carries, if any: `statusCode` (storage, Service Bus management, REST clients) or a
 * numeric `code` (the Cosmos DB SDK puts the status there).
 */
export function statusOf(error: unknown): number | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { statusCode, code } = error as { statusCode?: unknown; code?: unknown };
  if (typeof statusCode === 'number') return statusCode;
  return typeof code === 'number' ? code : undefined;
}
