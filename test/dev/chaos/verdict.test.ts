import { describe, expect, it } from 'vitest';
import type { ExpectedDocument } from '../../../dev/demo-workload.js';
import { failures, renderReport, type ChaosReport } from '../../../dev/chaos/report.js';
import { judgeTarget } from '../../../dev/chaos/verdict.js';
import type { HeldState, TargetReader } from '../../../dev/target-readers.js';

const doc = (id: string, revision: number, deleted = false, hardDeleted = false): ExpectedDocument => ({
  id,
  customerId: 'c',
  revision,
  deleted,
  finalWriteAt: 0,
  ...(hardDeleted ? { hardDeleted } : {}),
});

function reader(held: Record<string, HeldState>): { read: TargetReader; asked: boolean[] } {
  const asked: boolean[] = [];
  return {
    asked,
    read: async (_expected, options) => {
      asked.push(options?.everything === true);
      return new Map(Object.entries(held));
    },
  };
}

describe('chaos verdict', () => {
  it('counts each kind of difference and reads the whole target', async () => {
    const expected = [
      doc('live-ok', 3),
      doc('live-missing', 1),
      doc('live-stale', 5),
      doc('live-but-tombstone', 2),
      doc('soft-ok', 4, true),
      doc('soft-resurrected', 4, true),
      doc('soft-older-tombstone', 6, true),
      doc('hard-absent', 2, true, true),
      doc('hard-tombstone', 2, true, true),
      doc('hard-resurrected', 2, true, true),
    ];
    const { read, asked } = reader({
      'live-ok': { deleted: false, revision: 3 },
      'live-stale': { deleted: false, revision: 4 },
      'live-but-tombstone': { deleted: true, revision: 2 },
      'soft-ok': { deleted: true, revision: 4 },
      'soft-resurrected': { deleted: false, revision: 3 },
      'soft-older-tombstone': { deleted: true, revision: 5 },
      'hard-tombstone': { deleted: true, revision: undefined },
      'hard-resurrected': { deleted: false, revision: 2 },
      'poison-0-1': { deleted: false, revision: 1 },
    });
    const verdict = await judgeTarget('t', read, expected);
    expect(asked).toEqual([true]);
    expect(verdict).toMatchObject({ missing: 1, stale: 3, resurrected: 2, extra: 1 });
    expect(verdict.examples.join('\n')).toContain('extra poison-0-1');
    expect(verdict.examples.join('\n')).toContain('hard-resurrected (pk c): source hard-deleted');
  });

  it('fails the run on any count, unaccounted poison or dead-lettered event', () => {
    const clean: ChaosReport = {
      seed: 1,
      seconds: 1,
      keys: 1,
      instances: 2,
      mode: 'AllVersionsAndDeletes',
      writes: { 'poison messages': 1 },
      faults: [{ kind: 'cut Redis', atMs: 0, durationMs: 2_000 }],
      duplicates: { t: 3 },
      skipped: [],
      converged: { t: 'after 1.0 s' },
      targets: [{ target: 't', missing: 0, stale: 0, resurrected: 0, extra: 0, examples: [] }],
      poison: { written: 1, quarantined: 1, unaccounted: [] },
      messages: [
        {
          target: 't',
          recorded: { InvalidEvent: 1 },
          deadLettered: 0,
          unaccounted: [],
          deadLetteredEvents: 0,
          deadLetterReasons: [],
        },
      ],
      locksLost: 0,
      hostErrors: 0,
      hostErrorSamples: [],
      replay: 'npm run chaos -- --seed 1',
    };
    expect(failures(clean)).toBe(0);
    expect(renderReport(clean)).toContain('PASS: every count is zero');
    const [target] = clean.targets;
    const [messages] = clean.messages;
    expect(failures({ ...clean, targets: [{ ...target!, extra: 1 }] })).toBe(1);
    expect(failures({ ...clean, poison: { written: 1, quarantined: 0, unaccounted: ['poison-0-0'] } })).toBe(1);
    expect(failures({ ...clean, messages: [{ ...messages!, unaccounted: ['m'] }] })).toBe(1);
    const lost = {
      ...clean,
      messages: [{ ...messages!, deadLetteredEvents: 2, deadLetterReasons: ['MaxDeliveryCountExceeded: '] }],
    };
    expect(failures(lost)).toBe(2);
    expect(renderReport(lost)).toContain('2 EVENTS DEAD-LETTERED (MaxDeliveryCountExceeded: )');
    expect(renderReport(lost)).toContain('FAIL: 2 problem(s)');
  });
});
