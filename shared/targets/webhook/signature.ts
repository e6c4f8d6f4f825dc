/**
 * Request signing. The signed content is `${timestamp}.${body}`: the Unix time in seconds sent in
 * `X-CosmosSync-Timestamp`, a dot, and the raw request body bytes. Signing the timestamp with the body means a captured
 * request cannot be replayed later with a fresh timestamp; the receiver refuses timestamps outside its tolerance.
 *
 * `verifyWebhookSignature` is what a receiver runs (the reference receiver in test/support does): recompute the HMAC
 * over the raw bytes before parsing them, compare in constant time, reject stale or future timestamps.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'X-CosmosSync-Signature';
export const TIMESTAMP_HEADER = 'X-CosmosSync-Timestamp';
export const IDEMPOTENCY_HEADER = 'Idempotency-Key';

/** Five minutes either way, the usual webhook tolerance: enough for clock skew and a slow hop, short for replays. */
export const DEFAULT_TOLERANCE_SECONDS = 300;

function hmacHex(secret: string, timestamp: string, body: string | Uint8Array): string {
  return createHmac('sha256', secret).update(`${timestamp}.`, 'utf8').update(body).digest('hex');
}

/** The `X-CosmosSync-Signature` value for a body sent with `timestamp` (Unix seconds, as a decimal string). */
export function signWebhookBody(secret: string, timestamp: string, body: string | Uint8Array): string {
  return `sha256=${hmacHex(secret, timestamp, body)}`;
}

export type SignatureVerdict = { ok: true } | { ok: false; reason: 'malformed' | 'stale' | 'mismatch' };

export interface SignedRequest {
  secret: string;
  /** Header values as received; undefined when the header is missing. */
  timestamp: string | undefined;
  signature: string | undefined;
  /** The raw body bytes (or their UTF-8 text), before any JSON parsing. */
  body: string | Uint8Array;
  nowMs: number;
  toleranceSeconds?: number;
}

export function verifyWebhookSignature(request: SignedRequest): SignatureVerdict {
  const { timestamp, signature } = request;
  if (!timestamp || !/^\d{1,12}$/.test(timestamp) || !signature || !/^sha256=[0-9a-f]{64}$/.test(signature)) {
    return { ok: false, reason: 'malformed' };
  }
  const skewSeconds = Math.abs(request.nowMs / 1_000 - Number(timestamp));
  if (skewSeconds > (request.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS)) return { ok: false, reason: 'stale' };
  const expected = Buffer.from(hmacHex(request.secret, timestamp, request.body), 'hex');
  const received = Buffer.from(signature.slice('sha256='.length), 'hex');
  return timingSafeEqual(expected, received) ? { ok: true } : { ok: false, reason: 'mismatch' };
}
