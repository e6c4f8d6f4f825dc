/**
 * What one subscriber batch did, in numbers: the unit the state store records (one write per batch) and the timer
 * aggregates into lag and error metrics.
 */
import type { ChangeEvent } from '../events/envelope.js';

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
  deadLettered: number;
  /** Errors by stable code, dead-lettered and transient alike. */
  errorsByCode: Record<string, number>;
  /** The newest applied event of the batch, the target's checkpoint. */
  lastApplied: { eventId: string; source: string; lsn: number; ts: number } | undefined;
  /** Seconds from the source write (`_ts`) to applied, one entry per applied event. */
  lagSeconds: number[];
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
    lastApplied: undefined,
    lagSeconds: [],
    finishedAt: now,
  };
}

export function countError(summary: BatchSummary, code: string, by = 1): void {
  summary.errorsByCode[code] = (summary.errorsByCode[code] ?? 0) + by;
}

export function noteApplied(summary: BatchSummary, event: ChangeEvent, now: Date): void {
  summary.applied += 1;
  summary.lagSeconds.push(Math.max(0, now.getTime() / 1000 - event.version.ts));
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
