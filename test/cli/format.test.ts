import { describe, expect, it } from 'vitest';
import { formatAge, formatCount, formatDuration, formatRate, NONE } from '../../cli/format.js';
import { truncate } from '../../cli/table.js';

describe('formatDuration', () => {
  it.each([
    [0, '0 s'],
    [0.085, '85 ms'],
    [0.0001, '1 ms'],
    [4.2, '4.2 s'],
    [4, '4 s'],
    [9.96, '10 s'],
    [42.4, '42 s'],
    [59.7, '1 m'],
    [190, '3 m 10 s'],
    [7500, '2 h 5 m'],
    [7200, '2 h'],
    [3 * 86400 + 4 * 3600, '3 d 4 h'],
  ])('%s s prints as %s', (seconds, expected) => {
    expect(formatDuration(seconds)).toBe(expected);
  });

  it('prints "not measured" as a dash, never as zero', () => {
    expect(formatDuration(null)).toBe(NONE);
    expect(formatCount(null)).toBe(NONE);
    expect(formatRate(null)).toBe(NONE);
  });

  it('treats a negative duration (clock skew) as zero', () => {
    expect(formatDuration(-3)).toBe('0 s');
    expect(formatAge('2025-01-01T00:00:10Z', '2025-01-01T00:00:00Z')).toBe('0 s ago');
  });
});

describe('numbers', () => {
  it('groups counts and shows a tenth only for small rates', () => {
    expect(formatCount(1204)).toBe('1,204');
    expect(formatRate(12)).toBe('12.0');
    expect(formatRate(1250.4)).toBe('1,250');
  });

  it('ages are measured between two instants', () => {
    expect(formatAge('2025-01-01T00:00:00Z', '2025-01-01T00:03:10Z')).toBe('3 m 10 s ago');
  });
});

describe('truncate', () => {
  it('keeps short text and ends cut text with an ellipsis', () => {
    expect(truncate('orders', 8)).toBe('orders');
    expect(truncate('orders-copy', 8)).toBe('orders-…');
    expect(truncate('orders', 0)).toBe('');
  });
});
