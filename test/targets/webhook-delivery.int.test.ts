import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ChangeEvent } from '../../shared/events/envelope.js';
import { createWebhookTarget, webhookTargetSchema, type WebhookTarget } from '../../shared/targets/webhook/index.js';
import { signWebhookBody } from '../../shared/targets/webhook/signature.js';
import { makeEvent, seededRandom, shuffle } from '../support/events.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../dev/webhook-receiver.js';

const secret = randomBytes(32).toString('hex');
let receiver: WebhookReceiver;
/** Waits the target asked for; the injected sleep records them and returns at once. */
let waits: number[];

beforeEach(async () => {
  receiver = await startWebhookReceiver({ secret });
  waits = [];
});
afterEach(async () => {
  await receiver.close();
});

async function openTarget(
  config: Record<string, unknown> = {},
  deps: { now?: () => number; secret?: string; random?: () => number } = {},
): Promise<WebhookTarget> {
  const parsed = webhookTargetSchema.parse({
    name: 'hook',
    type: 'webhook',
    subscription: 's',
    url: receiver.url,
    ...config,
  });
  const target = createWebhookTarget(parsed, {
    env: { COSMOS_SYNC_WEBHOOK_SECRET: deps.secret ?? secret },
    sleep: async (ms) => void waits.push(ms),
    random: deps.random ?? (() => 0.5),
    ...(deps.now ? { now: deps.now } : {}),
  });
  await target.open();
  return target;
}

const batch = (count: number, prefix = 'd'): ChangeEvent[] =>
  Array.from({ length: count }, (_, index) => makeEvent({ id: `${prefix}${index}`, lsn: 1, data: { index } }));

describe('webhook requests on the wire', () => {
  it('are signed over "<timestamp>.<body>" with the same idempotency key on redelivery', async () => {
    const fixedNow = Date.now();
    const target = await openTarget({}, { now: () => fixedNow });
    const events = batch(4);
    expect(await target.applyBatch(events)).toEqual(events.map((e) => ({ eventId: e.eventId, status: 'applied' })));
    const redelivered = shuffle(events, seededRandom(9));
    expect(await target.applyBatch(redelivered)).toEqual(
      redelivered.map((e) => ({ eventId: e.eventId, status: 'stale' })),
    );
    const [first, second] = receiver.requests;
    expect(first).toMatchObject({ status: 200, timestamp: String(Math.floor(fixedNow / 1_000)) });
    expect(second?.idempotencyKey).toBe(first?.idempotencyKey);
    expect(first?.eventIds).toEqual(events.map((event) => event.eventId).sort());
  });

  it('are refused by a receiver that checks them: wrong secret, tampered body, stale timestamp', async () => {
    const wrong = await openTarget({}, { secret: 'f'.repeat(64) });
    const event = makeEvent({ id: 'sig', lsn: 1 });
    expect(await wrong.applyBatch([event])).toMatchObject([
      {
        status: 'rejected',
        error: { code: 'WEBHOOK_401', retryable: false, message: expect.stringMatching(/mismatch/) },
      },
    ]);
    const late = await openTarget({}, { now: () => Date.now() - 10 * 60_000 });
    expect(await late.applyBatch([event])).toMatchObject([
      { status: 'rejected', error: { code: 'WEBHOOK_401', message: expect.stringMatching(/signature stale/) } },
    ]);
    const timestamp = String(Math.floor(Date.now() / 1_000));
    const body = JSON.stringify({ events: [event] });
    const tampered = await fetch(receiver.url, {
      method: 'POST',
      headers: {
        'X-CosmosSync-Timestamp': timestamp,
        'X-CosmosSync-Signature': signWebhookBody(secret, timestamp, body),
      },
      body: body.replace('"lsn":1', '"lsn":99'),
    });
    expect(tampered.status).toBe(401);
    expect(await tampered.text()).toContain('mismatch');
    expect(receiver.state.size).toBe(0);
  });
});

describe('webhook retries', () => {
  it('honour Retry-After in seconds and as an HTTP date, capped, measured on the injected clock', async () => {
    // A fixed whole second near the real time: HTTP dates have second precision, and the receiver checks the
    // signed timestamp against its own clock.
    const now = Math.floor(Date.now() / 1_000) * 1_000;
    const target = await openTarget({ retryAttempts: 4, maxRetryAfterMs: 20_000 }, { now: () => now });
    receiver.script(
      { status: 429, headers: { 'Retry-After': '7' } },
      { status: 503, headers: { 'Retry-After': new Date(now + 3_000).toUTCString() } },
      { status: 503, headers: { 'Retry-After': '3600' } },
    );
    expect(await target.applyBatch([makeEvent({ id: 'ra', lsn: 1 })])).toMatchObject([{ status: 'applied' }]);
    expect(waits).toEqual([7_000, 3_000, 20_000]);
    expect(receiver.requests.map((request) => request.status)).toEqual([429, 503, 503, 200]);
  });

  it('back off exponentially with jitter on 5xx and 408 without Retry-After, then deliver', async () => {
    const target = await openTarget(
      { retryAttempts: 4, retryInitialDelayMs: 100, retryMaxDelayMs: 1_000 },
      { random: () => 1 },
    );
    receiver.script({ status: 500 }, { status: 408 }, { status: 502 });
    expect(await target.applyBatch([makeEvent({ id: 'b', lsn: 1 })])).toMatchObject([{ status: 'applied' }]);
    // random() = 1 puts each wait at its ceiling: 100, 200, 400 ms.
    expect(waits).toEqual([100, 200, 400]);
  });

  it('throw a transient error naming the last failure when the tries run out', async () => {
    const target = await openTarget({ retryAttempts: 3 });
    receiver.script(
      { status: 503, body: 'maintenance' },
      { status: 503, body: 'maintenance' },
      { status: 503, body: 'maintenance' },
    );
    await expect(target.applyBatch([makeEvent({ id: 'x', lsn: 1 })])).rejects.toMatchObject({
      code: 'WEBHOOK_503',
      retryable: true,
      message: expect.stringMatching(/not delivered after 3 attempt\(s\); last: 503: maintenance/),
    });
    expect(waits).toHaveLength(2);
  });

  it('time out a hung receiver as a transient failure', async () => {
    const target = await openTarget({ timeoutMs: 150, retryAttempts: 2 });
    receiver.script({ status: 200, delayMs: 5_000 }, { status: 200, delayMs: 5_000 });
    const started = performance.now();
    await expect(target.applyBatch([makeEvent({ id: 'slow', lsn: 1 })])).rejects.toMatchObject({
      code: 'WEBHOOK_TIMEOUT',
      retryable: true,
    });
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('fail transiently while the receiver refuses connections', async () => {
    const target = await openTarget({ retryAttempts: 2 });
    receiver.setDown(true);
    await expect(target.applyBatch([makeEvent({ id: 'down', lsn: 1 })])).rejects.toMatchObject({
      code: 'WEBHOOK_UNREACHABLE',
      retryable: true,
    });
    receiver.setDown(false);
    expect(await target.applyBatch([makeEvent({ id: 'down', lsn: 1 })])).toMatchObject([{ status: 'applied' }]);
  });
});

describe('webhook refusals', () => {
  it('reject the request with WEBHOOK_<status> and a short excerpt of the body', async () => {
    const target = await openTarget();
    receiver.script({ status: 400, body: `bad request:\n ${'detail '.repeat(100)}` });
    const [outcome] = await target.applyBatch([makeEvent({ id: 'e', lsn: 1 })]);
    expect(outcome).toMatchObject({ status: 'rejected', error: { code: 'WEBHOOK_400', retryable: false } });
    const message = outcome?.status === 'rejected' ? outcome.error.message : '';
    expect(message).toMatch(/refused 1 event\(s\) with 400: bad request: detail detail/);
    const excerpt = message.slice(message.indexOf('bad request'));
    expect(excerpt.length).toBe(201);
    expect(excerpt.endsWith('…')).toBe(true);
  });

  it('reject every event of a request at once for statuses that are not about content', async () => {
    const target = await openTarget();
    receiver.script({ status: 404, body: 'no such hook' });
    const outcomes = await target.applyBatch(batch(5));
    expect(outcomes.every((o) => o.status === 'rejected' && o.error.code === 'WEBHOOK_404')).toBe(true);
    expect(receiver.requests).toHaveLength(1);
  });

  it('isolate the one refused document of a large request by splitting it', async () => {
    const target = await openTarget();
    const events = batch(16);
    receiver.refuseDocument('d11');
    const outcomes = await target.applyBatch(events);
    expect(outcomes.filter((o) => o.status === 'rejected').map((o) => o.eventId)).toEqual([events[11]?.eventId]);
    expect(outcomes.filter((o) => o.status === 'applied')).toHaveLength(15);
    // 1 whole request, then 2 per level of halving down to the single event: 1 + 2·4.
    expect(receiver.requests).toHaveLength(9);
  });

  it('do not follow redirects', async () => {
    const target = await openTarget();
    receiver.script({ status: 307, headers: { Location: 'https://elsewhere.example.com/' } });
    expect(await target.applyBatch([makeEvent({ id: 'r', lsn: 1 })])).toMatchObject([
      {
        status: 'rejected',
        error: { code: 'WEBHOOK_307', message: expect.stringMatching(/redirects are not followed/) },
      },
    ]);
  });
});

describe('webhook batching', () => {
  it('keeps at most maxConcurrentRequests requests in flight', async () => {
    const target = await openTarget({ maxEventsPerRequest: 2, maxConcurrentRequests: 3 });
    receiver.delayMs = 100;
    const events = batch(24);
    expect((await target.applyBatch(events)).every((outcome) => outcome.status === 'applied')).toBe(true);
    expect(receiver.requests).toHaveLength(12);
    expect(receiver.peakConcurrency).toBe(3);
  });

  it('stops starting requests after one fails for good and waits for those in flight', async () => {
    const target = await openTarget({ maxEventsPerRequest: 1, maxConcurrentRequests: 2, retryAttempts: 1 });
    receiver.script({ status: 503 });
    receiver.delayMs = 20;
    await expect(target.applyBatch(batch(10))).rejects.toMatchObject({ code: 'WEBHOOK_503' });
    expect(receiver.requests.length).toBeLessThanOrEqual(3);
  });
});
