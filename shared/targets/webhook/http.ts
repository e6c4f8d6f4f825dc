/** Small HTTP helpers for the webhook: reading a bounded part of a response body and parsing Retry-After. */

/**
 * Reads at most about `maxBytes` of the body as UTF-8 text. A longer body is cancelled after that, which releases the
 * connection without downloading the rest; `complete` says whether the whole body was read.
 */
export async function readBodyText(response: Response, maxBytes: number): Promise<{ text: string; complete: boolean }> {
  const reader = response.body?.getReader();
  if (!reader) return { text: '', complete: true };
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    // Rejects when the request's timeout fires mid-body; the caller reports that as a timeout.
    const { done, value } = await reader.read();
    if (done) return { text: decode(chunks), complete: true };
    chunks.push(value);
    size += value.byteLength;
    if (size >= maxBytes) {
      await reader.cancel();
      return { text: decode(chunks), complete: false };
    }
  }
}

const decode = (chunks: Uint8Array[]): string => new TextDecoder('utf-8').decode(Buffer.concat(chunks));

/**
 * Retry-After as milliseconds from now: delay-seconds ("120") or an HTTP date ("Wed, 21 Oct 2015 07:28:00 GMT"; a
 * date in the past means now). Undefined when absent or unreadable, so the caller falls back to its own backoff.
 */
export function retryAfterMs(value: string | null, nowMs: number): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1_000;
  // Only text starting with a weekday goes to Date.parse, which otherwise accepts odd strings such as "1 2".
  if (!/^[A-Za-z]{3,9},? \S/.test(text)) return undefined;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}
