import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signWebhookBody, verifyWebhookSignature } from '../../shared/targets/webhook/signature.js';

const secret = 'a'.repeat(64);
const body = '{"events":[{"eventId":"e1","documentId":"ü"}]}';
const nowMs = 1_700_000_000_000;
const timestamp = String(nowMs / 1_000);

describe('webhook signatures', () => {
  it('are sha256= and the hex HMAC-SHA256 of "<timestamp>.<raw body>", as the docs tell receivers', () => {
    const byHand = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
    expect(signWebhookBody(secret, timestamp, body)).toBe(`sha256=${byHand}`);
    expect(signWebhookBody(secret, timestamp, Buffer.from(body, 'utf8'))).toBe(`sha256=${byHand}`);
  });

  it('verify for the right secret, body and a fresh timestamp', () => {
    const signature = signWebhookBody(secret, timestamp, body);
    expect(verifyWebhookSignature({ secret, timestamp, signature, body, nowMs })).toEqual({ ok: true });
    expect(
      verifyWebhookSignature({ secret, timestamp, signature, body: Buffer.from(body), nowMs: nowMs + 299_000 }),
    ).toEqual({ ok: true });
  });

  it('fail for a tampered body, another secret or a timestamp moved to pass the freshness check', () => {
    const signature = signWebhookBody(secret, timestamp, body);
    const mismatch = { ok: false, reason: 'mismatch' };
    expect(verifyWebhookSignature({ secret, timestamp, signature, body: body.replace('e1', 'e2'), nowMs })).toEqual(
      mismatch,
    );
    expect(verifyWebhookSignature({ secret: 'b'.repeat(64), timestamp, signature, body, nowMs })).toEqual(mismatch);
    const replayedLater = String(Number(timestamp) + 3_600);
    expect(
      verifyWebhookSignature({ secret, timestamp: replayedLater, signature, body, nowMs: nowMs + 3_600_000 }),
    ).toEqual(mismatch);
  });

  it('fail for stale or future timestamps outside the tolerance', () => {
    const signature = signWebhookBody(secret, timestamp, body);
    const stale = { ok: false, reason: 'stale' };
    expect(verifyWebhookSignature({ secret, timestamp, signature, body, nowMs: nowMs + 301_000 })).toEqual(stale);
    expect(verifyWebhookSignature({ secret, timestamp, signature, body, nowMs: nowMs - 301_000 })).toEqual(stale);
    expect(
      verifyWebhookSignature({ secret, timestamp, signature, body, nowMs: nowMs + 61_000, toleranceSeconds: 60 }),
    ).toEqual(stale);
  });

  it('fail for missing or malformed headers without throwing', () => {
    const signature = signWebhookBody(secret, timestamp, body);
    const malformed = { ok: false, reason: 'malformed' };
    for (const [ts, sig] of [
      [undefined, signature],
      [timestamp, undefined],
      ['12.5', signature],
      [timestamp, signature.replace('sha256=', 'sha1=')],
      [timestamp, `${signature}00`],
      [timestamp, signature.toUpperCase()],
    ]) {
      expect(verifyWebhookSignature({ secret, timestamp: ts, signature: sig, body, nowMs })).toEqual(malformed);
    }
  });
});
