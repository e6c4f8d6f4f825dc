import { describe, expect, it } from 'vitest';
import { Arrivals } from '../../bench/arrivals.js';

describe('Arrivals', () => {
  it('counts documents by batch and takes lag percentiles over documents, not batches', () => {
    const arrivals = new Arrivals();
    arrivals.add(1_300, 10);
    arrivals.add(1_100, 80);
    arrivals.add(1_200, 10);
    expect(arrivals.count).toBe(100);
    expect(arrivals.last).toBe(1_300);
    // 80 of 100 documents came in the first batch: the median document arrived then, the 99th in the last one.
    expect(arrivals.lag(0.5, 1_000)).toBe(100);
    expect(arrivals.lag(0.85, 1_000)).toBe(200);
    expect(arrivals.lag(0.99, 1_000)).toBe(300);
  });

  it('ignores empty batches and has no lag before anything arrived', () => {
    const arrivals = new Arrivals();
    arrivals.add(5, 0);
    expect(arrivals.count).toBe(0);
    expect(arrivals.lag(0.5, 0)).toBeUndefined();
  });
});
