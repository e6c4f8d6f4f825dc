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

export type FinalResult = Exclude<ExchangeResult, { kind: 'retry' }>;

/** Runs `send` until it gives a final result or the tries run out; `what` names the request in the error. */
export async function withWebhookRetries(
  send: () => Promise<ExchangeResult>,
  policy: RetryPolicy,
  clock: RetryClock,
  what: string,
  signal?: AbortSignal,
): Promise<FinalResult> {
  for (let attempt = 1; ; attempt += 1) {
    throwIfShuttingDown(signal);
    const result = await send();
    if (result.kind !== 'retry') return result;
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
