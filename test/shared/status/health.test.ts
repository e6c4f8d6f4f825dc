import { describe, expect, it } from 'vitest';
import { healthThresholdsSchema } from '../../../shared/config/thresholds.js';
import { judge, worse, worstOf } from '../../../shared/status/health.js';

const thresholds = healthThresholdsSchema.parse({});

describe('judge', () => {
  it('is ok below every degraded threshold', () => {
    const verdict = judge(
      [
        { measure: 'lagSeconds', label: 'lag', value: 59.9, unit: 's' },
        { measure: 'backlog', label: 'backlog', value: 999 },
        { measure: 'deadLettered', label: 'dead-lettered', value: 0 },
        { measure: 'errorRate', label: 'error rate', value: 0.009, unit: '%' },
      ],
      thresholds,
    );
    expect(verdict).toEqual({ health: 'ok', reasons: [] });
  });

  it('degrades at the degraded threshold and fails at the failing one, naming each value and limit', () => {
    const verdict = judge(
      [
        { measure: 'lagSeconds', label: 'lag', value: 60, unit: 's' },
        { measure: 'backlog', label: 'backlog', value: 10_000 },
        { measure: 'errorRate', label: 'error rate', value: 0.05, unit: '%' },
      ],
      thresholds,
    );
    expect(verdict.health).toBe('failing');
    expect(verdict.reasons).toEqual([
      'lag 60 s >= 60 s (degraded)',
      'backlog 10000 >= 10000 (failing)',
      'error rate 5% >= 1% (degraded)',
    ]);
  });

  it('skips values that are not there and reports what could not be measured as unknown', () => {
    expect(judge([{ measure: 'errorRate', label: 'error rate', value: undefined }], thresholds)).toEqual({
      health: 'ok',
      reasons: [],
    });
    expect(judge([], thresholds, ['backlog'])).toEqual({ health: 'unknown', reasons: ['backlog not measured'] });
    const both = judge([{ measure: 'deadLettered', label: 'dead-lettered', value: 3 }], thresholds, ['backlog']);
    expect(both.health).toBe('degraded');
  });

  it('follows configured thresholds', () => {
    const strict = healthThresholdsSchema.parse({ lagSeconds: { degraded: 1, failing: 2 } });
    expect(judge([{ measure: 'lagSeconds', label: 'lag', value: 2.5, unit: 's' }], strict)).toEqual({
      health: 'failing',
      reasons: ['lag 2.5 s >= 2 s (failing)'],
    });
  });
});

describe('worse / worstOf', () => {
  it('orders failing > degraded > unknown > ok', () => {
    expect(worse('ok', 'unknown')).toBe('unknown');
    expect(worse('degraded', 'unknown')).toBe('degraded');
    expect(worstOf(['ok', 'failing', 'degraded'])).toBe('failing');
    expect(worstOf([])).toBe('ok');
  });
});
