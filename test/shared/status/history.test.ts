import { describe, expect, it } from 'vitest';
import { parseHours } from '../../../shared/functions/status.js';
import { sourcePoint, targetPoint, thin } from '../../../shared/status/history.js';
import { historyReportSchema } from '../../../shared/status/report.js';

const at = new Date('2026-11-26T10:00:00Z');

describe('history points', () => {
  it('reads a target row into a point and a source row into a point', () => {
    const target = targetPoint({
      at,
      health: 'degraded',
      lagSeconds: 12.5,
      throughputPerSecond: 40,
      backlogActive: 3,
      backlogDeadLettered: 1,
      errors: 2,
      latencyP99Seconds: 1.5,
    });
    expect(target).toEqual({
      at: at.toISOString(),
      health: 'degraded',
      lagSeconds: 12.5,
      throughputPerSecond: 40,
      backlogActive: 3,
      deadLettered: 1,
      errors: 2,
      latencyP99Seconds: 1.5,
    });
    expect(sourcePoint({ at, health: 'ok', pendingChanges: 7, lagSeconds: 0 })).toEqual({
      at: at.toISOString(),
      health: 'ok',
      pendingChanges: 7,
      lagSeconds: 0,
    });
  });

  it('turns missing or damaged columns into null or unknown, and skips rows without a time', () => {
    expect(targetPoint({ at, health: 'sparkling', lagSeconds: 'x', backlogActive: -1 })).toMatchObject({
      health: 'unknown',
      lagSeconds: null,
      backlogActive: null,
      throughputPerSecond: null,
    });
    expect(targetPoint({ health: 'ok' })).toBeUndefined();
    expect(sourcePoint({ at: new Date(Number.NaN) })).toBeUndefined();
  });

  it('produces points the history schema accepts', () => {
    const point = targetPoint({ at, health: 'ok' });
    const report = {
      schemaVersion: 1,
      from: at.toISOString(),
      to: at.toISOString(),
      sources: [],
      targets: [{ name: 'copy', points: [point] }],
    };
    expect(historyReportSchema.safeParse(report).success).toBe(true);
  });
});

describe('thin', () => {
  it('keeps short series and thins long ones evenly, always keeping the newest point', () => {
    expect(thin([1, 2, 3], 5)).toEqual([1, 2, 3]);
    const thinned = thin(
      Array.from({ length: 1000 }, (_, index) => index),
      100,
    );
    expect(thinned).toHaveLength(100);
    expect(thinned.at(-1)).toBe(999);
    expect(thinned[0]).toBe(9);
  });
});

describe('parseHours', () => {
  it('defaults to 6 and accepts hours up to a week', () => {
    expect(parseHours(null)).toBe(6);
    expect(parseHours('')).toBe(6);
    expect(parseHours('1')).toBe(1);
    expect(parseHours('0.5')).toBe(0.5);
    expect(parseHours('168')).toBe(168);
  });

  it.each(['0', '-1', 'abc', '169', '1e3', ' 2'])('rejects %j with a message naming the parameter', (raw) => {
    expect(parseHours(raw)).toMatch(/query parameter "hours" must be/);
  });
});
