/**
 * Function-level retry policies, as the Functions runtime applies them to Cosmos DB and timer triggers: re-run the
 * same invocation (same input) after a delay until it succeeds or `maxRetryCount` retries have failed; -1 retries
 * forever. `fixedDelay` waits `delayInterval` each time; `exponentialBackoff` starts at `minimumInterval` and grows
 * towards `maximumInterval`, with about ±20 % randomisation like the runtime's randomized backoff.
 */
import { requireDurationMs } from './durations.js';
import { sleep } from './lifecycle.js';
import type { RpcException, RpcRetryContext } from './worker/rpc.js';

export interface RetryPolicy {
  strategy: 'fixedDelay' | 'exponentialBackoff';
  maxRetryCount: number;
  /** Delay before retry number `retry` (1 for the first retry). */
  delayMs(retry: number): number;
}

function field(raw: Record<string, unknown>, ...names: string[]): unknown {
  return names.map((name) => raw[name]).find((value) => value !== undefined);
}

/** The metadata's `retryOptions` (as `@azure/functions` builds it) as a policy; undefined when there is none. */
export function parseRetryOptions(raw: unknown, functionName: string): RetryPolicy | undefined {
  if (raw === undefined || raw === null) return undefined;
  if (typeof raw !== 'object') throw new Error(`function "${functionName}": retry options must be an object`);
  const options = raw as Record<string, unknown>;
  const strategy = field(options, 'strategy', 'retryStrategy');
  const maxRetryCount = options['maxRetryCount'];
  if (typeof maxRetryCount !== 'number' || !Number.isInteger(maxRetryCount) || maxRetryCount < -1) {
    throw new Error(`function "${functionName}": retry.maxRetryCount must be a whole number >= -1`);
  }
  const what = (name: string): string => `function "${functionName}": retry.${name}`;
  if (strategy === 'fixedDelay') {
    const delay = requireDurationMs(options['delayInterval'], what('delayInterval'), 0);
    return { strategy, maxRetryCount, delayMs: () => delay };
  }
  if (strategy === 'exponentialBackoff') {
    const minimum = requireDurationMs(options['minimumInterval'], what('minimumInterval'), 0);
    const maximum = requireDurationMs(options['maximumInterval'], what('maximumInterval'), minimum);
    if (maximum < minimum) throw new Error(`${what('maximumInterval')} must not be less than minimumInterval`);
    return { strategy, maxRetryCount, delayMs: (retry) => exponentialDelay(retry, minimum, maximum) };
  }
  throw new Error(`function "${functionName}": retry.strategy must be "fixedDelay" or "exponentialBackoff"`);
}

function exponentialDelay(retry: number, minimum: number, maximum: number): number {
  if (retry <= 1) return minimum;
  const jitter = 0.8 + Math.random() * 0.4;
  return Math.min(maximum, minimum + minimum * 2 ** (retry - 2) * jitter);
}

export type RetryOutcome<T> =
  | { status: 'succeeded'; value: T; attempts: number }
  | { status: 'failed'; error: unknown; attempts: number }
  /** Stopped while waiting to retry: the caller must not treat the input as processed. */
  | { status: 'aborted'; error: unknown; attempts: number };

export interface RetryHooks {
  onRetry(retry: number, delayMs: number, error: unknown): void;
}

/**
 * Runs `attempt` once, then again after each failure while the policy allows. `attempt` receives the retry context
 * the host sends (azure-webjobs-sdk `FunctionExecutorExtensions.TryExecuteAsync` makes it before the first attempt, so
 * `retryCount` is 0 then and the exception of the previous attempt comes with each retry; azure-functions-host
 * `ScriptInvocationContextExtensions.SetRetryContext`), or undefined when the function has no policy.
 */
export async function runWithRetries<T>(
  policy: RetryPolicy | undefined,
  signal: AbortSignal,
  attempt: (retryContext: RpcRetryContext | undefined) => Promise<T>,
  hooks: RetryHooks,
): Promise<RetryOutcome<T>> {
  let lastError: unknown;
  for (let retry = 0; ; retry += 1) {
    const retryContext: RpcRetryContext | undefined = policy
      ? {
          retryCount: retry,
          maxRetryCount: policy.maxRetryCount,
          ...(retry > 0 ? { exception: exceptionOf(lastError) } : {}),
        }
      : undefined;
    try {
      return { status: 'succeeded', value: await attempt(retryContext), attempts: retry + 1 };
    } catch (error) {
      lastError = error;
    }
    const next = retry + 1;
    if (!policy || (policy.maxRetryCount !== -1 && next > policy.maxRetryCount)) {
      return { status: 'failed', error: lastError, attempts: next };
    }
    const delay = policy.delayMs(next);
    hooks.onRetry(next, delay, lastError);
    if (!(await sleep(delay, signal))) return { status: 'aborted', error: lastError, attempts: next };
  }
}

/** The host fills `source` and `stack_trace` with "" when the exception has none. */
function exceptionOf(error: unknown): RpcException {
  if (error instanceof Error) return { source: error.name, message: error.message, stackTrace: error.stack ?? '' };
  return { source: '', message: String(error), stackTrace: '' };
}
