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
}

export const DEFAULT_BACKOFF: BackoffPolicy = { attempts: 4, initialDelayMs: 250, maxDelayMs: 5_000 };

export function backoffDelayMs(policy: BackoffPolicy, retryIndex: number, random: () => number = Math.random): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** retryIndex);
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Runs `work` until it succeeds, a non-retryable error is thrown, or the attempts are used up; the last error is
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
): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    throwIfShuttingDown(signal);
    try {
      return await work(attempt);
    } catch (error) {
      if (attempt >= policy.attempts || !isRetryable(error) || signal?.aborted) throw error;
      const delayMs = backoffDelayMs(policy, attempt - 1);
      onRetry(error, attempt, delayMs);
      await waitUnlessAborted(wait, delayMs, signal);
    }
  }
}
