/**
 * The subscriber runner: everything a target's subscriber function does with one batch of messages from its session.
 * Parse and validate, drop events of sources the target does not follow, coalesce versions of one key, apply through
 * the target with retries, then settle every message: complete what is applied, stale or superseded, dead-letter at
 * once what can never be applied, and abandon everything (then throw) when the target stays unavailable.
 */
import type { ServiceBusReceivedMessage } from '@azure/service-bus';
import { errorCode, isRetryable } from '../errors.js';
import type { ChangeEvent } from '../events/envelope.js';
import type { Logger } from '../logging.js';
import { coalesce } from '../targets/coalesce.js';
import type { ApplyOutcome, Target } from '../targets/target.js';
import { DEFAULT_BACKOFF, sleep, withRetries, type BackoffPolicy } from './backoff.js';
import { countError, emptySummary, noteApplied, type BatchRecorder, type BatchSummary } from './batch-summary.js';
import { parseEventMessage } from './parse-message.js';

/** Message settlement, as the Functions Service Bus SDK binding and the local host both provide it. */
export interface MessageSettlement {
  complete(message: ServiceBusReceivedMessage): Promise<void>;
  abandon(message: ServiceBusReceivedMessage): Promise<void>;
  deadletter(
    message: ServiceBusReceivedMessage,
    propertiesToModify?: Record<string, unknown>,
    reason?: string,
    description?: string,
  ): Promise<void>;
}

export interface SubscriberDeps {
  target: Target;
  /** Only events from these sources are applied; others are completed and counted as ignored. */
  sources?: readonly string[] | undefined;
  recorder: BatchRecorder;
  logger: Logger;
  backoff?: BackoffPolicy;
  wait?: (ms: number) => Promise<void>;
  now?: () => Date;
}

/** Dead-letter descriptions travel as message properties; keep them readable and well under header limits. */
const MAX_DESCRIPTION = 1_000;
const truncate = (text: string): string =>
  text.length > MAX_DESCRIPTION ? `${text.slice(0, MAX_DESCRIPTION - 1)}…` : text;

type Verdict = { kind: 'complete' } | { kind: 'deadletter'; reason: string; description: string };

const openedTargets = new WeakMap<Target, Promise<void>>();

/** Opens a target once per process; a failed open is forgotten so the next batch tries again. */
function ensureOpen(target: Target): Promise<void> {
  let opening = openedTargets.get(target);
  if (!opening) {
    opening = target.open().catch((error: unknown) => {
      openedTargets.delete(target);
      throw error;
    });
    openedTargets.set(target, opening);
  }
  return opening;
}

export async function processBatch(
  deps: SubscriberDeps,
  messages: readonly ServiceBusReceivedMessage[],
  settle: MessageSettlement,
): Promise<BatchSummary> {
  const now = deps.now ?? (() => new Date());
  const summary = emptySummary(deps.target.name, messages[0]?.sessionId, messages.length, now());
  const verdicts = new Map<ServiceBusReceivedMessage, Verdict>();
  const eventsByMessage = new Map<ServiceBusReceivedMessage, ChangeEvent>();

  for (const message of messages) {
    const parsed = parseEventMessage(message.body);
    if (!parsed.ok) {
      verdicts.set(message, { kind: 'deadletter', reason: parsed.reason, description: parsed.description });
      countError(summary, parsed.reason, 1, 'permanent', parsed.description);
    } else if (deps.sources && !deps.sources.includes(parsed.event.source.name)) {
      verdicts.set(message, { kind: 'complete' });
      summary.ignored += 1;
    } else {
      eventsByMessage.set(message, parsed.event);
    }
  }

  const { latest, superseded } = deps.target.appliesEveryVersion
    ? { latest: distinctEvents([...eventsByMessage.values()]), superseded: new Map<string, string>() }
    : coalesce([...eventsByMessage.values()]);
  let outcomes: Map<string, ApplyOutcome>;
  try {
    outcomes = await withRetries(
      deps.backoff ?? DEFAULT_BACKOFF,
      async () => {
        await ensureOpen(deps.target);
        const results = latest.length > 0 ? await deps.target.applyBatch(latest) : [];
        return new Map(results.map((outcome) => [outcome.eventId, outcome]));
      },
      isRetryable,
      deps.wait ?? sleep,
      (error, attempt, delayMs) => {
        // One occurrence per failed call: it hit every message of the batch at once, and a retry that then
        // succeeds must still show up (errors by class), without making the error rate exceed one per message.
        countError(summary, errorCode(error), 1, 'transient', messageOf(error));
        deps.logger.warn('target.retry', {
          target: deps.target.name,
          attempt,
          delayMs,
          errorCode: errorCode(error),
          error,
        });
      },
    );
  } catch (error) {
    return abandonAll(deps, messages, verdicts, settle, summary, error);
  }

  // One clock read for the batch: every event of it was applied by the same call.
  const appliedAtMs = now().getTime();
  for (const [message, event] of eventsByMessage) {
    const outcome = outcomes.get(superseded.get(event.eventId) ?? event.eventId);
    const wasSuperseded = superseded.has(event.eventId);
    verdicts.set(message, verdictFor(summary, event, outcome, wasSuperseded, appliedAtMs, message.enqueuedTimeUtc));
  }
  // Every count is final before settlement starts, so the state write runs beside settlement rather than after it and
  // recording costs a batch no extra round trip. A message whose settlement fails is redelivered and counted again
  // (as stale if it was applied, as a dead-letter again if it was one), so a lost lock can over-count, never hide.
  summary.deadLettered = deadLetterCount(verdicts);
  summary.finishedAt = now();
  const [settled, recorded] = await Promise.allSettled([
    settleAll(deps.logger, messages, verdicts, settle, eventsByMessage),
    deps.recorder.record(summary),
  ]);
  if (settled.status === 'rejected') {
    if (recorded.status === 'rejected') logRecordFailure(deps, recorded.reason);
    throw settled.reason;
  }
  if (recorded.status === 'rejected') throw recorded.reason;
  deps.logger.info('batch.settled', {
    target: summary.target,
    sessionId: summary.sessionId,
    received: summary.received,
    applied: summary.applied,
    stale: summary.stale,
    superseded: summary.superseded,
    deadLettered: summary.deadLettered,
  });
  return summary;
}

function verdictFor(
  summary: BatchSummary,
  event: ChangeEvent,
  outcome: ApplyOutcome | undefined,
  wasSuperseded: boolean,
  appliedAtMs: number,
  enqueuedAt: Date | undefined,
): Verdict {
  if (!outcome) {
    // A target that forgets an event breaks the contract; dead-letter rather than silently complete.
    const description = `target returned no outcome for ${event.eventId}`;
    countError(summary, 'TARGET_NO_OUTCOME', 1, 'permanent', description);
    return { kind: 'deadletter', reason: 'TARGET_NO_OUTCOME', description };
  }
  if (outcome.status === 'rejected') {
    if (!wasSuperseded) countError(summary, outcome.error.code, 1, 'permanent', outcome.error.message);
    return { kind: 'deadletter', reason: outcome.error.code, description: truncate(outcome.error.message) };
  }
  if (wasSuperseded) summary.superseded += 1;
  else if (outcome.status === 'applied') noteApplied(summary, event, appliedAtMs, enqueuedAt);
  else summary.stale += 1;
  return { kind: 'complete' };
}

async function settleAll(
  logger: Logger,
  messages: readonly ServiceBusReceivedMessage[],
  verdicts: Map<ServiceBusReceivedMessage, Verdict>,
  settle: MessageSettlement,
  events: Map<ServiceBusReceivedMessage, ChangeEvent>,
): Promise<void> {
  await Promise.all(
    messages.map(async (message) => {
      const verdict = verdicts.get(message) ?? { kind: 'complete' };
      if (verdict.kind === 'complete') return settle.complete(message);
      const event = events.get(message);
      logger.warn('message.deadlettered', {
        messageId: message.messageId,
        eventId: event?.eventId,
        correlationId: event?.correlationId ?? message.correlationId,
        reason: verdict.reason,
        description: verdict.description,
      });
      return settle.deadletter(message, undefined, verdict.reason, verdict.description);
    }),
  );
}

/**
 * The target stayed unavailable through every retry: dead-letter what is invalid anyway, abandon the rest so Service
 * Bus redelivers it (and dead-letters it after MaxDeliveryCount), record the failure, and rethrow so the invocation
 * is marked failed.
 */
async function abandonAll(
  deps: SubscriberDeps,
  messages: readonly ServiceBusReceivedMessage[],
  verdicts: Map<ServiceBusReceivedMessage, Verdict>,
  settle: MessageSettlement,
  summary: BatchSummary,
  error: unknown,
): Promise<never> {
  // Abandoned messages come back (and are dead-lettered by Service Bus after MaxDeliveryCount): transient here.
  countError(summary, errorCode(error), messages.length - verdicts.size, 'transient', messageOf(error));
  deps.logger.error('target.unavailable', { target: deps.target.name, sessionId: summary.sessionId, error });
  summary.deadLettered = deadLetterCount(verdicts);
  await Promise.all(
    messages.map(async (message) => {
      const verdict = verdicts.get(message);
      if (verdict?.kind === 'deadletter') {
        return settle.deadletter(message, undefined, verdict.reason, verdict.description);
      }
      return verdict?.kind === 'complete' ? settle.complete(message) : settle.abandon(message);
    }),
  );
  summary.finishedAt = (deps.now ?? (() => new Date()))();
  try {
    await deps.recorder.record(summary);
  } catch (recordError) {
    // The target's failure is what the retry and the operator need to see; the state store's is logged beside it.
    logRecordFailure(deps, recordError);
  }
  throw error;
}

const deadLetterCount = (verdicts: Map<ServiceBusReceivedMessage, Verdict>): number =>
  [...verdicts.values()].filter((verdict) => verdict.kind === 'deadletter').length;

function logRecordFailure(deps: SubscriberDeps, error: unknown): void {
  deps.logger.error('state.record_failed', { target: deps.target.name, errorCode: errorCode(error), error });
}

const messageOf = (error: unknown): string => (error instanceof Error ? error.message : String(error));

/** Every event once, in delivery order: what a log-style target gets instead of the coalesced batch. */
function distinctEvents(events: readonly ChangeEvent[]): ChangeEvent[] {
  const seen = new Set<string>();
  return events.filter((event) => !seen.has(event.eventId) && seen.add(event.eventId));
}
