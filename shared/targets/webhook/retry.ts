/**
 * Retries of one request: exponential backoff with jitter (the subscriber's `backoffDelayMs`), or exactly the wait a
 * Retry-After header asks for, capped at `maxRetryAfterMs`. When the tries are used up the request's events are not
 * rejected: a transient `TargetError` is thrown, the runner abandons the batch, and Service Bus redelivers it.
 */
import { throwIfShuttingDown, waitUnlessAborted } from '../../lifecycle/shutdown.js';
import { backoffDelayMs, type BackoffPolicy } from '../../subscribe/backoff.js';
import { TargetError } from '../target.js';
import type { ExchangeResult } from './exchange.js';

export interface RetryPolicy extends BackoffPolicy {
  maxRetryAfterMs: number;
}

export interface RetryClock {
  sleep: (ms: number) => Promise<void>;
  random: () => number;
}

/** "Try again": no response, a timeout, 408, 429 or 5xx, with the receiver's Retry-After when it sent one. */
export type RetryResult = Extract<ExchangeResult, { kind: 'retry' }>;
export type FinalResult = Exclude<ExchangeResult, RetryResult>;

/**
 * Runs `send` until it gives a final result or the tries run out; `what` names the request in the error. Deliveries
 * and verify's queries (query.ts) share it, each with its own final results.
 */
export async function withWebhookRetries<R extends { kind: string }>(
  send: () => Promise<R | RetryResult>,
  policy: RetryPolicy,
  clock: RetryClock,
  what: string,
  signal?: AbortSignal,
): Promise<Exclude<R, RetryResult>> {
  for (let attempt = 1; ; attempt += 1) {
    throwIfShuttingDown(signal);
    const outcome = await send();
    if (outcome.kind !== 'retry') return outcome as Exclude<R, RetryResult>;
    const result = outcome as RetryResult;
    if (attempt >= policy.attempts) {
      throw TargetError.transient(
        result.code,
        `${what} not delivered after ${attempt} attempt(s); last: ${result.detail}`,
        result.cause,
      );
    }
    const wait =
      result.retryAfterMs === undefined
        ? backoffDelayMs(policy, attempt - 1, clock.random)
        : Math.min(result.retryAfterMs, policy.maxRetryAfterMs);
    await waitUnlessAborted(clock.sleep, wait, signal);
  }
}
