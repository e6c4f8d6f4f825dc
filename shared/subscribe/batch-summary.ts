/**
 * What one subscriber batch did, in numbers: the unit the state store records (one write per batch) and the timer
 * aggregates into lag and error metrics. Everything here is plain in-memory bookkeeping; per applied event it costs
 * two number pushes, so measuring never shows next to applying.
 */
import type { ChangeEvent } from '../events/envelope.js';
import type { ErrorClass, ErrorsByClass } from '../state/row.js';

/** Last-error messages are for a status page and a table column: enough to recognise the failure, bounded in size. */
export const MAX_ERROR_MESSAGE = 500;

export interface BatchSummary {
  target: string;
  /** The Service Bus session the batch came from (one session bucket). */
  sessionId: string | undefined;
  received: number;
  applied: number;
  stale: number;
  /** Older versions of a key covered by a newer one in the same batch. */
  superseded: number;
  /** Events from sources this target does not follow. */
  ignored: number;
  /**
   * Messages set aside as poison records (the name is the stored column's, from when they went to the dead-letter
   * queue): counted when the batch completes.
   */
  deadLettered: number;
  /**
   * Error occurrences by stable code: one per poison message, one per abandoned message, and one per target
   * call that failed and was retried (it failed the whole batch once).
   */
  errorsByCode: Record<string, number>;
  /** The same occurrences by class; the two always add up to the same number. */
  errorsByClass: ErrorsByClass;
  /** The last error counted in the batch; the recorder stamps it with `finishedAt`. */
  lastError: { code: string; message: string; class: ErrorClass } | undefined;
  /** The newest applied event of the batch, the target's checkpoint. */
  lastApplied: { eventId: string; source: string; lsn: number; ts: number } | undefined;
  /** Seconds from the source write (`_ts`) to applied, one entry per applied event. */
  lagSeconds: number[];
  /**
   * Seconds from the message's Service Bus enqueue time to applied, one entry per applied event whose message carries
   * an enqueue time (every broker-delivered one does).
   */
  enqueueLagSeconds: number[];
  finishedAt: Date;
}

export function emptySummary(target: string, sessionId: string | undefined, received: number, now: Date): BatchSummary {
  return {
    target,
    sessionId,
    received,
    applied: 0,
    stale: 0,
    superseded: 0,
    ignored: 0,
    deadLettered: 0,
    errorsByCode: {},
    errorsByClass: { transient: 0, permanent: 0 },
    lastError: undefined,
    lastApplied: undefined,
    lagSeconds: [],
    enqueueLagSeconds: [],
    finishedAt: now,
  };
}

const truncate = (text: string): string =>
  text.length > MAX_ERROR_MESSAGE ? `${text.slice(0, MAX_ERROR_MESSAGE - 1)}…` : text;

/**
 * Counts `by` occurrences of an error and makes it the batch's last error. Called with `by = 0` (an error that hit no
 * message, e.g. a failed open with only invalid messages in the batch), it still becomes the last error: it happened.
 */
export function countError(
  summary: BatchSummary,
  code: string,
  by: number,
  errorClass: ErrorClass,
  message?: string,
): void {
  summary.errorsByCode[code] = (summary.errorsByCode[code] ?? 0) + by;
  summary.errorsByClass[errorClass] += by;
  summary.lastError = { code, message: truncate(message ?? code), class: errorClass };
}

/**
 * Counts an applied event. `appliedAtMs` is the batch's apply time in epoch milliseconds (one clock read per batch),
 * `enqueuedAt` the message's Service Bus enqueue time when it has one.
 */
export function noteApplied(
  summary: BatchSummary,
  event: ChangeEvent,
  appliedAtMs: number,
  enqueuedAt: Date | undefined,
): void {
  summary.applied += 1;
  summary.lagSeconds.push(Math.max(0, appliedAtMs / 1000 - event.version.ts));
  const enqueuedMs = enqueuedAt?.getTime();
  // An invalid Date (NaN) would poison the stored sum; skip it like a missing one.
  if (enqueuedMs !== undefined && Number.isFinite(enqueuedMs)) {
    summary.enqueueLagSeconds.push(Math.max(0, (appliedAtMs - enqueuedMs) / 1000));
  }
  const last = summary.lastApplied;
  if (!last || event.version.ts > last.ts || (event.version.ts === last.ts && event.version.lsn > last.lsn)) {
    summary.lastApplied = {
      eventId: event.eventId,
      source: event.source.name,
      lsn: event.version.lsn,
      ts: event.version.ts,
    };
  }
}

/** Records batch summaries; implemented over Azure Table storage (Azurite locally). */
export interface BatchRecorder {
  record(summary: BatchSummary): Promise<void>;
}
