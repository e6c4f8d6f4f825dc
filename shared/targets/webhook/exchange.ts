/**
 * One signed POST and what it means for the events in it: accepted (2xx, with the receiver's optional per-event
 * `stale` verdicts), refused for good (3xx and 4xx other than 408/429), or worth retrying (no response, timeout, 408,
 * 429, 5xx; with the receiver's Retry-After when it sent one). Never throws for an HTTP or network failure.
 */
import { z } from 'zod';
import { readBodyText, retryAfterMs } from './http.js';
import type { WebhookRequest } from './requests.js';
import { IDEMPOTENCY_HEADER, SIGNATURE_HEADER, signWebhookBody, TIMESTAMP_HEADER } from './signature.js';
import { messageOf } from '../../errors.js';
import { throwIfShuttingDown } from '../../lifecycle/shutdown.js';

export type ExchangeResult =
  | { kind: 'accepted'; status: number; stale: ReadonlySet<string> }
  | { kind: 'refused'; status: number; excerpt: string }
  | { kind: 'retry'; code: string; detail: string; retryAfterMs: number | undefined; cause?: unknown };

export interface ExchangeSettings {
  url: string;
  secret: string;
  timeoutMs: number;
  fetch: typeof fetch;
  /** Milliseconds since the epoch, for the signed timestamp and HTTP-date Retry-After values. */
  now: () => number;
}

/** Longest error body read for an excerpt; the rest is discarded so the connection can be reused. */
const EXCERPT_READ_BYTES = 4 * 1024;
const EXCERPT_CHARS = 200;
/** Longest success body read for per-event results; 1,000 results of 90 bytes fit several times over. */
const RESULTS_READ_BYTES = 1024 * 1024;

/** The optional 2xx body: which events the receiver already held at the same or a newer version. */
const acceptedBodySchema = z.object({
  results: z.array(z.object({ eventId: z.string(), status: z.enum(['applied', 'stale']) })),
});

const isRetryableStatus = (status: number): boolean => status === 408 || status === 429 || status >= 500;

/** Throws (a ShutdownError) only when `signal` is aborted: the app is shutting down and the batch will come again. */
export async function exchange(
  settings: ExchangeSettings,
  request: WebhookRequest,
  signal?: AbortSignal,
): Promise<ExchangeResult> {
  try {
    const response = await signedPost(settings, request.body, { [IDEMPOTENCY_HEADER]: request.idempotencyKey }, signal);
    const { status } = response;
    if (status >= 200 && status < 300) {
      const { text, complete } = await readBodyText(response, RESULTS_READ_BYTES);
      return { kind: 'accepted', status, stale: complete ? staleIds(text) : new Set() };
    }
    return await failureOf(response, settings.now());
  } catch (error) {
    throwIfShuttingDown(signal);
    return networkFailure(error, settings.timeoutMs);
  }
}

/**
 * A signed POST of `body` to `settings.url`, bounded by `timeoutMs` and `signal`. Rejects on network failures and
 * timeouts (see `networkFailure`), including while the caller reads the body.
 */
export function signedPost(
  settings: ExchangeSettings,
  body: string,
  headers: Record<string, string>,
  signal: AbortSignal | undefined,
): Promise<Response> {
  // A fresh timestamp per attempt: a retry after a long Retry-After must not arrive already stale.
  const timestamp = String(Math.floor(settings.now() / 1_000));
  return settings.fetch(settings.url, {
    method: 'POST',
    headers: {
      'Content-Type': 'application/json; charset=utf-8',
      'User-Agent': 'cosmos-sync-webhook/1',
      [TIMESTAMP_HEADER]: timestamp,
      [SIGNATURE_HEADER]: signWebhookBody(settings.secret, timestamp, body),
      ...headers,
    },
    body,
    // A redirect would re-send signed events to wherever the receiver points; refuse it instead (see refused).
    redirect: 'manual',
    signal: signal
      ? AbortSignal.any([AbortSignal.timeout(settings.timeoutMs), signal])
      : AbortSignal.timeout(settings.timeoutMs),
  });
}

/** What a non-2xx response means: worth retrying (408, 429, 5xx, with its Retry-After) or refused for good. */
export async function failureOf(
  response: Response,
  nowMs: number,
): Promise<Extract<ExchangeResult, { kind: 'retry' | 'refused' }>> {
  const { status } = response;
  const { text } = await readBodyText(response, EXCERPT_READ_BYTES);
  const excerpt = excerptOf(text);
  if (isRetryableStatus(status)) {
    const detail = `${status}${excerpt ? `: ${excerpt}` : ''}`;
    const wait = retryAfterMs(response.headers.get('retry-after'), nowMs);
    return { kind: 'retry', code: `WEBHOOK_${status}`, detail, retryAfterMs: wait };
  }
  const note = status >= 300 && status < 400 ? '(redirects are not followed; configure the final URL)' : '';
  return { kind: 'refused', status, excerpt: [excerpt, note].filter(Boolean).join(' ') };
}

function staleIds(text: string): Set<string> {
  if (text.trim() === '') return new Set();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // A 2xx with a body that is not the optional results document still means "accepted": nothing is stale.
    return new Set();
  }
  const results = acceptedBodySchema.safeParse(parsed);
  if (!results.success) return new Set();
  return new Set(results.data.results.filter((result) => result.status === 'stale').map((result) => result.eventId));
}

function excerptOf(text: string): string {
  const flat = text.replace(/\s+/g, ' ').trim();
  return flat.length > EXCERPT_CHARS ? `${flat.slice(0, EXCERPT_CHARS)}…` : flat;
}

export function networkFailure(error: unknown, timeoutMs: number): Extract<ExchangeResult, { kind: 'retry' }> {
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'TimeoutError') {
    const detail = `no complete response within ${timeoutMs} ms`;
    return { kind: 'retry', code: 'WEBHOOK_TIMEOUT', detail, retryAfterMs: undefined, cause: error };
  }
  // undici reports "fetch failed" and puts the socket error (ECONNREFUSED, UND_ERR_SOCKET, ...) in `cause`.
  const cause = (error as { cause?: { code?: unknown; message?: unknown } } | null)?.cause;
  const reason = typeof cause?.code === 'string' ? cause.code : messageOf(error);
  return {
    kind: 'retry',
    code: 'WEBHOOK_UNREACHABLE',
    detail: `no response (${reason})`,
    retryAfterMs: undefined,
    cause: error,
  };
}
