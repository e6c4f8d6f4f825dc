import { describe, expect, it } from 'vitest';
import { deliveryBackoff, MAX_DELIVERY_RETRY_MS, withRetries } from '../../../shared/subscribe/backoff.js';

const failing = () => Promise.reject(Object.assign(new Error('target down'), { retryable: true }));

/** A clock the waits move forward, so the time budget is checked without real time passing. */
function fakeClock() {
  let now = 0;
  return { now: () => now, wait: async (ms: number) => void (now += ms) };
}

describe('deliveryBackoff', () => {
  it('retries about a second on the first delivery and doubles with each redelivery, up to 40 s', () => {
    const budgets = [1, 2, 3, 4, 5, 6, 7, 10, 1_000].map((count) => deliveryBackoff(count).maxElapsedMs);
    expect(budgets).toEqual([1_000, 2_000, 4_000, 8_000, 16_000, 32_000, 40_000, 40_000, 40_000]);
    expect(MAX_DELIVERY_RETRY_MS).toBeLessThan(60_000);
  });

  it('treats an unknown or odd delivery count as a first delivery', () => {
    for (const count of [0, -1, 1.5, Number.NaN]) expect(deliveryBackoff(count).maxElapsedMs).toBe(1_000);
  });

  it('rides out more than three minutes of outage over ten deliveries', () => {
    let total = 0;
    for (let count = 1; count <= 10; count += 1) total += deliveryBackoff(count).maxElapsedMs ?? 0;
    expect(total).toBeGreaterThan(180_000);
  });
});

describe('withRetries with a time budget', () => {
  it('stops retrying before a wait would end past the budget, and rethrows the last error', async () => {
    const clock = fakeClock();
    let attempts = 0;
    const run = withRetries(
      deliveryBackoff(4),
      () => {
        attempts += 1;
        return failing();
      },
      () => true,
      clock.wait,
      undefined,
      undefined,
      clock.now,
    );
    await expect(run).rejects.toThrow('target down');
    expect(clock.now()).toBeLessThanOrEqual(8_000);
    // 250 ms doubling to 5 s, each wait between half and all of its ceiling: several tries fit in 8 s.
    expect(attempts).toBeGreaterThan(3);
  });

  it('returns as soon as the target answers within the budget', async () => {
    const clock = fakeClock();
    let attempts = 0;
    const result = await withRetries(
      deliveryBackoff(10),
      async () => {
        attempts += 1;
        if (clock.now() < 20_000) throw new Error('still down');
        return 'applied';
      },
      () => true,
      clock.wait,
      undefined,
      undefined,
      clock.now,
    );
    expect(result).toBe('applied');
    expect(clock.now()).toBeGreaterThanOrEqual(20_000);
    expect(clock.now()).toBeLessThanOrEqual(40_000);
    expect(attempts).toBeGreaterThan(4);
  });
});
