/**
 * Exponential backoff with equal jitter (each wait is between half and all of the exponential ceiling, so a retry
 * never comes back at once), bounded per wait and in attempts, for retries inside one invocation.
 */
import { throwIfShuttingDown, waitUnlessAborted } from '../lifecycle/shutdown.js';

export interface BackoffPolicy {
  /** Tries in all, the first included. */
  attempts: number;
  initialDelayMs: number;
  maxDelayMs: number;
  /** No retry starts later than this after the first try began (a wait that would end past it is not begun). */
  maxElapsedMs?: number;
}

/** The first wait before a retry, and the longest one: the waits double from one to the other. */
const FIRST_RETRY_DELAY_MS = 250;
const LONGEST_RETRY_DELAY_MS = 5_000;

/**
 * The longest a batch retries its target within one delivery. Batch functions get no lock renewal (docs/local-host.md,
 * "Subscriber binding"), so this stays well inside the shortest LockDuration the project deploys (one minute: ordered
 * subscriptions in infra/modules/servicebus.bicep, every subscription in the local broker's config), leaving time for
 * the apply that finally succeeds.
 */
export const MAX_DELIVERY_RETRY_MS = 40_000;

/**
 * How long a batch retries an unavailable target, growing with its delivery count: about a second on the first
 * delivery (a blip, or another instance may do better), doubling with each redelivery up to MAX_DELIVERY_RETRY_MS.
 * With MaxDeliveryCount 10 that rides out about three and a half minutes of target outage before Service Bus
 * dead-letters the batch; with fixed short retries, every delivery failed within seconds and an outage of under a
 * minute dead-lettered events (the chaos storm showed it).
 */
export function deliveryBackoff(deliveryCount: number): BackoffPolicy {
  const delivery = Number.isInteger(deliveryCount) && deliveryCount >= 1 ? deliveryCount : 1;
  return {
    attempts: Number.MAX_SAFE_INTEGER,
    initialDelayMs: FIRST_RETRY_DELAY_MS,
    maxDelayMs: LONGEST_RETRY_DELAY_MS,
    maxElapsedMs: Math.min(MAX_DELIVERY_RETRY_MS, 1_000 * 2 ** Math.min(delivery - 1, 16)),
  };
}

export function backoffDelayMs(policy: BackoffPolicy, retryIndex: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** retryIndex);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `work` until it succeeds, a non-retryable error is thrown, or the attempts or the time are used up; the last error is
 * rethrown unchanged so its code and retryable flag reach the caller. When `signal` is aborted (the app shuts down)
 * no further attempt starts and a wait ends at once, rejecting with the signal's reason (a ShutdownError).
 */
export async function withRetries<T>(
  policy: BackoffPolicy,
  work: (attempt: number) => Promise<T>,
  isRetryable: (error: unknown) => boolean,
  wait: (ms: number) => Promise<void> = sleep,
  onRetry: (error: unknown, attempt: number, delayMs: number) => void = () => {},
  signal?: AbortSignal,
  now: () => number = Date.now,
): Promise<T> {
  const startedAt = now();
  for (let attempt = 1; ; attempt += 1) {
    throwIfShuttingDown(signal);
    try {
      return await work(attempt);
    } catch (error) {
      if (attempt >= policy.attempts || !isRetryable(error) || signal?.aborted) throw error;
      const delayMs = backoffDelayMs(policy, attempt - 1);
      if (policy.maxElapsedMs !== undefined && now() - startedAt + delayMs > policy.maxElapsedMs) throw error;
      onRetry(error, attempt, delayMs);
      await waitUnlessAborted(wait, delayMs, signal);
    }
  }
}
