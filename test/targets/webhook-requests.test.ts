import { describe, expect, it } from 'vitest';
import { retryAfterMs } from '../../shared/targets/webhook/http.js';
import { planRequests, splitRequest } from '../../shared/targets/webhook/requests.js';
import { makeEvent, seededRandom, shuffle } from '../support/events.js';

const events = Array.from({ length: 10 }, (_, index) =>
  makeEvent({ id: `d${index}`, lsn: index + 1, data: { index } }),
);
const unlimited = { maxEvents: 1_000, maxBytes: 100 * 1024 * 1024 };

describe('webhook requests', () => {
  it('carry the events as {"events":[...]} sorted by event id', () => {
    const [request] = planRequests(events, unlimited);
    const sortedIds = events.map((event) => event.eventId).sort();
    expect(JSON.parse(request?.body ?? '')).toEqual({
      events: sortedIds.map((id) => events.find((event) => event.eventId === id)),
    });
  });

  it('are the same requests with the same idempotency keys whatever order the events come in', () => {
    const limits = { maxEvents: 3, maxBytes: 100_000 };
    const first = planRequests(events, limits);
    const again = planRequests(shuffle(events, seededRandom(3)), limits);
    expect(again.map((request) => [request.idempotencyKey, request.body])).toEqual(
      first.map((request) => [request.idempotencyKey, request.body]),
    );
    expect(first.map((request) => request.events.length)).toEqual([3, 3, 3, 1]);
    expect(new Set(first.map((request) => request.idempotencyKey)).size).toBe(4);
    expect(first[0]?.idempotencyKey).toMatch(/^[0-9a-f]{64}$/);
  });

  it('stay under the byte limit, and send an event larger than the limit alone', () => {
    const big = makeEvent({ id: 'big', lsn: 1, data: { text: 'ü'.repeat(3_000) } });
    const requests = planRequests([...events, big], { maxEvents: 100, maxBytes: 2_000 });
    for (const request of requests) {
      if (request.events.some((event) => event.eventId === big.eventId)) expect(request.events).toHaveLength(1);
      else expect(Buffer.byteLength(request.body)).toBeLessThanOrEqual(2_000);
    }
    expect(requests.flatMap((request) => request.events)).toHaveLength(events.length + 1);
  });

  it('split into halves that are requests of their own', () => {
    const [whole] = planRequests(events.slice(0, 5), unlimited);
    const [first, second] = splitRequest(whole as NonNullable<typeof whole>);
    expect(first.events).toHaveLength(3);
    expect(second.events).toHaveLength(2);
    expect(first).toEqual(planRequests(first.events, unlimited)[0]);
    expect(second).toEqual(planRequests(second.events, unlimited)[0]);
  });
});

describe('Retry-After', () => {
  const now = Date.UTC(2025, 0, 1, 12, 0, 0);

  it('reads delay-seconds and HTTP dates', () => {
    expect(retryAfterMs('7', now)).toBe(7_000);
    expect(retryAfterMs(' 0 ', now)).toBe(0);
    expect(retryAfterMs('Wed, 01 Jan 2025 12:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('Wednesday, 01-Jan-25 12:01:00 GMT', now)).toBe(60_000);
  });

  it('treats a past date as now and unreadable values as absent', () => {
    expect(retryAfterMs('Tue, 31 Dec 2024 00:00:00 GMT', now)).toBe(0);
    for (const value of [null, '', '-5', '1.5', '1 2', 'soon', 'Wed, garbage']) {
      expect(retryAfterMs(value, now), String(value)).toBeUndefined();
    }
  });
});
