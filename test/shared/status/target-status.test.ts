import { describe, expect, it } from 'vitest';
import { healthThresholdsSchema } from '../../../shared/config/thresholds.js';
import { targetStatus, type TargetInput } from '../../../shared/status/target-status.js';

const thresholds = healthThresholdsSchema.parse({ deadLettered: { degraded: 1, failing: 100 } });
const input = (overrides: Partial<TargetInput>): TargetInput => ({
  name: 'copy',
  type: 'cosmos',
  subscription: 'cosmos-target',
  snapshot: undefined,
  backlog: { active: 0, deadLettered: 0, scheduled: 0 },
  poisoned: 0,
  ...overrides,
});

describe('targetStatus and poison records', () => {
  it('is ok with none, and judges poison records by the dead-letter thresholds', () => {
    expect(targetStatus(input({}), thresholds, false)).toMatchObject({ health: 'ok', poisoned: 0, reasons: [] });
    expect(targetStatus(input({ poisoned: 2 }), thresholds, false)).toMatchObject({
      health: 'degraded',
      reasons: ['poisoned 2 >= 1 (degraded)'],
    });
    expect(targetStatus(input({ poisoned: 100 }), thresholds, false).health).toBe('failing');
  });

  it('says the poison records were not measured when they could not be counted', () => {
    const status = targetStatus(input({ poisoned: undefined }), thresholds, false);
    expect(status).toMatchObject({ health: 'unknown', poisoned: null, reasons: ['poison records not measured'] });
  });

  it('lists dead-letter queue and poison records as separate reasons', () => {
    const status = targetStatus(
      input({ backlog: { active: 0, deadLettered: 5, scheduled: 0 }, poisoned: 1 }),
      thresholds,
      false,
    );
    expect(status.reasons).toEqual(['dead-lettered 5 >= 1 (degraded)', 'poisoned 1 >= 1 (degraded)']);
  });
});
