import { describe, expect, it } from 'vitest';
import { documentKey } from '../../../shared/events/envelope.js';
import { MemoryTarget } from '../../support/memory-target.js';
import { makeEvent, seededRandom, shuffle } from '../../support/events.js';

describe('MemoryTarget (reference target)', () => {
  it('converges to the highest version for any order of any multiset of events', async () => {
    const keys = ['a', 'b', 'c', 'd'];
    const events = keys.flatMap((id, keyIndex) =>
      [1, 2, 3, 4, 5].map((step) =>
        makeEvent({ id, lsn: keyIndex * 10 + step, op: (step + keyIndex) % 3 === 0 ? 'delete' : 'upsert' }),
      ),
    );
    const expected = new MemoryTarget();
    await expected.applyBatch(events);
    for (let seed = 1; seed <= 50; seed += 1) {
      const random = seededRandom(seed);
      const delivered = shuffle([...events, ...events.filter(() => random() < 0.3)], random);
      const target = new MemoryTarget();
      for (const event of delivered) await target.applyBatch([event]);
      expect(target.rows, `seed ${seed}`).toEqual(expected.rows);
    }
  });

  it('keeps a tombstone so a late, older update cannot resurrect a deleted document', async () => {
    const target = new MemoryTarget();
    const outcomes = await target.applyBatch([
      makeEvent({ id: 'a', lsn: 5, op: 'delete' }),
      makeEvent({ id: 'a', lsn: 3, data: { stale: true } }),
    ]);
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['applied', 'stale']);
    expect(target.liveDocuments().size).toBe(0);
    expect(target.rows.get(documentKey(makeEvent({ id: 'a', lsn: 0 })))).toEqual({
      version: { lsn: 5, ts: 1_700_000_005 },
      deleted: true,
      document: null,
    });
  });

  it('reports rejected events with a permanent error and applies the rest', async () => {
    const target = new MemoryTarget();
    target.rejectDocumentIds.add('bad');
    const outcomes = await target.applyBatch([makeEvent({ id: 'bad', lsn: 1 }), makeEvent({ id: 'good', lsn: 2 })]);
    expect(outcomes[0]).toMatchObject({ status: 'rejected', error: { code: 'MEMORY_REJECTED', retryable: false } });
    expect(outcomes[1]).toMatchObject({ status: 'applied' });
  });

  it('throws a retryable error when unavailable', async () => {
    const target = new MemoryTarget();
    target.unavailable = true;
    await expect(target.applyBatch([makeEvent({ lsn: 1 })])).rejects.toMatchObject({
      code: 'MEMORY_UNAVAILABLE',
      retryable: true,
    });
  });
});
