/**
 * The subscriber runner: everything a target's subscriber function does with one batch of messages from its session.
 * Parse and validate (fetching claim-checked events from the claim container), drop events of sources the target does
 * not follow, coalesce versions of one key, apply through the target with retries, then decide the batch as the
 * generally available Service Bus binding allows: it settles the whole batch at once, completing it when the function
 * returns and abandoning it when the function throws.
 *
 * - A message that can never be applied (not an event, rejected by the target) is set aside as a poison record with
 *   its reason, and the batch still returns: one bad message never holds back the others.
 * - When the target stays unavailable through the retries, the runner throws, so Service Bus delivers the batch
 *   again (and dead-letters it after MaxDeliveryCount); the version guard makes applying it again harmless.
 */
import type { ClaimReader } from '../claims/store.js';
import { errorCode, isRetryable, messageOf } from '../errors.js';
import type { ChangeEvent } from '../events/envelope.js';
import type { Logger } from '../logging.js';
import { eventFieldsOf, type PoisonRecord } from '../poison/record.js';
import type { PoisonStore } from '../poison/store.js';
import { coalesce } from '../targets/coalesce.js';
import type { ApplyOptions, ApplyOutcome, Target } from '../targets/target.js';
import { deliveryBackoff, sleep, withRetries, type BackoffPolicy } from './backoff.js';
import { countError, emptySummary, noteApplied, type BatchRecorder, type BatchSummary } from './batch-summary.js';
import type { Delivery } from './delivery.js';
import { parseDeliveries } from './resolve-claims.js';

export interface SubscriberDeps {
  target: Target;
  /** Only events from these sources are applied; others are completed and counted as ignored. */
  sources?: readonly string[] | undefined;
  recorder: BatchRecorder;
  poison: PoisonStore;
  /**
   * Where claim-checked events are read from (the app's claim container). Without it, a claim-checked message is set
   * aside as ClaimCheckUnresolvable; shared/functions/apply.ts always passes one.
   */
  claims?: ClaimReader | undefined;
  logger: Logger;
  backoff?: BackoffPolicy;
  wait?: (ms: number) => Promise<void>;
  now?: () => Date;
  /** Aborted when the app shuts down: retries stop and the batch is abandoned, to be delivered again. */
  signal?: AbortSignal;
}

/** Poison descriptions are for a table column and a status page: readable and bounded. */
const MAX_DESCRIPTION = 1_000;
const truncate = (text: string): string =>
  text.length > MAX_DESCRIPTION ? `${text.slice(0, MAX_DESCRIPTION - 1)}…` : text;

interface Rejection {
  reason: string;
  description: string;
}

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

/** Events sent to this target on purpose (replay, backfill, repair) are read through any cache the target keeps. */
function applyOptionsFor(eventsByDelivery: ReadonlyMap<Delivery, ChangeEvent>): ApplyOptions | undefined {
  const readThrough = new Set<string>();
  for (const [delivery, event] of eventsByDelivery)
    if (delivery.replayKind !== undefined) readThrough.add(event.eventId);
  return readThrough.size > 0 ? { readThrough } : undefined;
}

/** Resolves with the batch's summary once its poison records and state are stored; rejects to have it redelivered. */
export async function processBatch(deps: SubscriberDeps, deliveries: readonly Delivery[]): Promise<BatchSummary> {
  const now = deps.now ?? (() => new Date());
  const summary = emptySummary(deps.target.name, deliveries[0]?.sessionId, deliveries.length, now());
  const rejected = new Map<Delivery, Rejection>();
  const eventsByDelivery = new Map<Delivery, ChangeEvent>();

  const { deliveries: parsedDeliveries, failure } = await parseDeliveries(deliveries, deps.claims, deps.signal);
  for (const { delivery, parsed } of parsedDeliveries) {
    // Left unresolved by `failure`: the whole batch comes again.
    if (parsed === undefined) continue;
    if (!parsed.ok) {
      rejected.set(delivery, { reason: parsed.reason, description: parsed.description });
      countError(summary, parsed.reason, 1, 'permanent', parsed.description);
    } else if (deps.sources && !deps.sources.includes(parsed.event.source.name)) {
      summary.ignored += 1;
    } else {
      eventsByDelivery.set(delivery, parsed.event);
    }
  }
  if (failure !== undefined) {
    // Nothing is applied: the claim container could not be read, and the batch must come again whole.
    return failBatch(deps, rejected, deliveries.length - rejected.size, summary, failure, 'claims.unavailable');
  }

  const { latest, superseded } = deps.target.appliesEveryVersion
    ? { latest: distinctEvents([...eventsByDelivery.values()]), superseded: new Map<string, string>() }
    : coalesce([...eventsByDelivery.values()]);
  const options = applyOptionsFor(eventsByDelivery);
  let outcomes: Map<string, ApplyOutcome>;
  try {
    outcomes = await withRetries(
      deps.backoff ?? deliveryBackoff(Math.max(1, ...deliveries.map((delivery) => delivery.deliveryCount ?? 1))),
      async () => {
        await ensureOpen(deps.target);
        const results = latest.length > 0 ? await deps.target.applyBatch(latest, deps.signal, options) : [];
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
      deps.signal,
    );
  } catch (error) {
    return failBatch(deps, rejected, eventsByDelivery.size, summary, error, 'target.unavailable');
  }

  // One clock read for the batch: every event of it was applied by the same call.
  const appliedAtMs = now().getTime();
  for (const [delivery, event] of eventsByDelivery) {
    const outcome = outcomes.get(superseded.get(event.eventId) ?? event.eventId);
    const rejection = judge(summary, event, outcome, superseded.has(event.eventId), appliedAtMs, delivery);
    if (rejection) rejected.set(delivery, rejection);
  }
  summary.deadLettered = rejected.size;
  summary.finishedAt = now();
  // Both writes run at once: recording costs a batch one round trip. A failure of either fails the invocation, so
  // the batch comes again; applying it again is harmless, and recording the same poison message again changes nothing.
  const [poisoned, recorded] = await Promise.allSettled([
    setAside(deps, rejected, eventsByDelivery, summary.finishedAt),
    deps.recorder.record(summary),
  ]);
  if (poisoned.status === 'rejected') {
    if (recorded.status === 'rejected') logRecordFailure(deps, recorded.reason);
    throw poisoned.reason;
  }
  if (recorded.status === 'rejected') throw recorded.reason;
  deps.logger.info('batch.settled', {
    target: summary.target,
    sessionId: summary.sessionId,
    received: summary.received,
    applied: summary.applied,
    stale: summary.stale,
    superseded: summary.superseded,
    poisoned: summary.deadLettered,
  });
  return summary;
}

/** Counts one event's outcome; returns why it can never be applied, if so. */
function judge(
  summary: BatchSummary,
  event: ChangeEvent,
  outcome: ApplyOutcome | undefined,
  wasSuperseded: boolean,
  appliedAtMs: number,
  delivery: Delivery,
): Rejection | undefined {
  if (!outcome) {
    // A target that forgets an event breaks the contract; set it aside rather than silently complete it.
    const description = `target returned no outcome for ${event.eventId}`;
    countError(summary, 'TARGET_NO_OUTCOME', 1, 'permanent', description);
    return { reason: 'TARGET_NO_OUTCOME', description };
  }
  if (outcome.status === 'rejected') {
    if (!wasSuperseded) countError(summary, outcome.error.code, 1, 'permanent', outcome.error.message);
    return { reason: outcome.error.code, description: truncate(outcome.error.message) };
  }
  if (wasSuperseded) summary.superseded += 1;
  else if (outcome.status === 'applied') noteApplied(summary, event, appliedAtMs, delivery.enqueuedTimeUtc);
  else summary.stale += 1;
  return undefined;
}

/** Stores a poison record for each rejected message, after logging each with its ids. */
async function setAside(
  deps: SubscriberDeps,
  rejected: ReadonlyMap<Delivery, Rejection>,
  events: ReadonlyMap<Delivery, ChangeEvent>,
  recordedAt: Date,
): Promise<void> {
  const records: PoisonRecord[] = [];
  for (const [delivery, rejection] of rejected) {
    const event = events.get(delivery);
    const fields = event
      ? {
          eventId: event.eventId,
          source: event.source.name,
          documentKey: JSON.stringify({ documentId: event.documentId, partitionKey: event.partitionKey }),
        }
      : eventFieldsOf(delivery.body);
    deps.logger.warn('message.poisoned', {
      messageId: delivery.messageId,
      eventId: fields.eventId,
      correlationId: event?.correlationId ?? delivery.correlationId,
      reason: rejection.reason,
      description: rejection.description,
    });
    records.push({
      target: deps.target.name,
      ...rejection,
      ...fields,
      messageId: delivery.messageId,
      sessionId: delivery.sessionId,
      correlationId: event?.correlationId ?? delivery.correlationId,
      deliveryCount: delivery.deliveryCount,
      enqueuedTimeUtc: delivery.enqueuedTimeUtc,
      sequenceNumber: delivery.sequenceNumber,
      recordedAt,
      body: delivery.body,
    });
  }
  await deps.poison.record(records);
}

/**
 * The target stayed unavailable through every retry (or refused the whole batch), or the claim container could not be
 * read: set aside what is invalid anyway (recording it again on the next delivery changes nothing), record the
 * failure, and rethrow so the binding abandons the batch and Service Bus delivers it again.
 */
async function failBatch(
  deps: SubscriberDeps,
  rejected: ReadonlyMap<Delivery, Rejection>,
  pending: number,
  summary: BatchSummary,
  error: unknown,
  logEvent: 'target.unavailable' | 'claims.unavailable',
): Promise<never> {
  // Abandoned messages come back (and are dead-lettered by Service Bus after MaxDeliveryCount): transient here.
  countError(summary, errorCode(error), pending, 'transient', messageOf(error));
  deps.logger.error(logEvent, { target: deps.target.name, sessionId: summary.sessionId, error });
  // Set aside now so they show at once, but counted only when the batch completes: it comes again, and would count
  // them twice.
  summary.deadLettered = 0;
  summary.finishedAt = (deps.now ?? (() => new Date()))();
  const [poisoned, recorded] = await Promise.allSettled([
    setAside(deps, rejected, new Map(), summary.finishedAt),
    deps.recorder.record(summary),
  ]);
  // The target's failure is what the retry and the operator need to see; the stores' failures are logged beside it.
  if (poisoned.status === 'rejected') logRecordFailure(deps, poisoned.reason);
  if (recorded.status === 'rejected') logRecordFailure(deps, recorded.reason);
  throw error;
}

function logRecordFailure(deps: SubscriberDeps, error: unknown): void {
  deps.logger.error('state.record_failed', { target: deps.target.name, errorCode: errorCode(error), error });
}

/** Every event once, in delivery order: what a log-style target gets instead of the coalesced batch. */
function distinctEvents(events: readonly ChangeEvent[]): ChangeEvent[] {
  const seen = new Set<string>();
  return events.filter((event) => !seen.has(event.eventId) && seen.add(event.eventId));
}
