import { describe, expect, it } from 'vitest';
import { coalesce, isNewer } from '../../../shared/targets/coalesce.js';
import { makeEvent } from '../../support/events.js';

describe('coalesce', () => {
  it('keeps the newest version per key, in first-seen key order', () => {
    const a1 = makeEvent({ id: 'a', lsn: 1 });
    const b1 = makeEvent({ id: 'b', lsn: 2 });
    const a3 = makeEvent({ id: 'a', lsn: 3, op: 'delete' });
    const a2 = makeEvent({ id: 'a', lsn: 2 });
    const { latest, superseded } = coalesce([a1, b1, a3, a2]);
    expect(latest).toEqual([a3, b1]);
    expect(superseded).toEqual(
      new Map([
        [a1.eventId, a3.eventId],
        [a2.eventId, a3.eventId],
      ]),
    );
  });

  it('resolves chains so every superseded id names an event that is applied', () => {
    const events = [1, 2, 3, 4].map((lsn) => makeEvent({ id: 'a', lsn }));
    const { latest, superseded } = coalesce(events);
    expect(latest).toHaveLength(1);
    expect(new Set(superseded.values())).toEqual(new Set([events[3]?.eventId]));
    expect(superseded.size).toBe(3);
  });

  it('treats the same change twice as one and the same id under another key or source as distinct', () => {
    const event = makeEvent({ id: 'a', lsn: 5 });
    expect(coalesce([event, { ...event }]).latest).toHaveLength(1);
    const otherKey = makeEvent({ id: 'a', pk: 'other', lsn: 5 });
    const otherSource = makeEvent({ id: 'a', lsn: 5, source: 'second' });
    expect(coalesce([event, otherKey, otherSource]).latest).toHaveLength(3);
  });

  it('breaks LSN ties with _ts', () => {
    const older = makeEvent({ id: 'a', lsn: 5, ts: 10 });
    const newer = makeEvent({ id: 'a', lsn: 5, ts: 11, op: 'delete' });
    expect(coalesce([newer, older]).latest).toEqual([newer]);
  });

  it('returns nothing for an empty batch', () => {
    expect(coalesce([])).toEqual({ latest: [], superseded: new Map() });
  });
});

describe('isNewer', () => {
  it('accepts only strictly newer versions', () => {
    expect(isNewer({ lsn: 2, ts: 0 }, undefined)).toBe(true);
    expect(isNewer({ lsn: 2, ts: 0 }, { lsn: 1, ts: 9 })).toBe(true);
    expect(isNewer({ lsn: 2, ts: 0 }, { lsn: 2, ts: 0 })).toBe(false);
    expect(isNewer({ lsn: 1, ts: 9 }, { lsn: 2, ts: 0 })).toBe(false);
  });
});
