import { describe, expect, it, vi } from 'vitest';
import type { ExpectedDocument } from '../../dev/demo-workload.js';
import type { HeldState } from '../../dev/target-readers.js';
import { waitForAll, type TargetUnderTest } from '../../dev/target-convergence.js';

const expected: ExpectedDocument[] = ['a', 'b', 'c'].map((id) => ({
  id,
  customerId: `customer-${id}`,
  revision: 2,
  deleted: id === 'c',
  finalWriteAt: 0,
}));
const final = (doc: ExpectedDocument): HeldState => ({ deleted: doc.deleted, revision: doc.revision });

/** A target whose reads answer from a script of states, one per read, and remember what each read asked for. */
function scripted(name: string, answers: Array<(doc: ExpectedDocument) => HeldState | undefined | 'throw'>) {
  const asked: string[][] = [];
  const target: TargetUnderTest = {
    name,
    subscription: name,
    read: async (docs) => {
      asked.push(docs.map((doc) => doc.id));
      const answer = answers[Math.min(asked.length - 1, answers.length - 1)] as (typeof answers)[number];
      const held = new Map<string, HeldState>();
      for (const doc of docs) {
        const state = answer(doc);
        if (state === 'throw') throw new Error('container not found');
        if (state) held.set(doc.id, state);
      }
      return held;
    },
  };
  return { target, asked };
}

describe('waitForAll (the demo deciding that its targets converged)', () => {
  it('reads only what a target did not hold yet, and confirms with one full read', async () => {
    const slow = scripted('slow', [
      () => 'throw',
      (doc) => (doc.id === 'a' ? final(doc) : { deleted: false, revision: 1 }),
      final,
    ]);
    await waitForAll([slow.target], expected, 5_000, () => {}, 1);
    expect(slow.asked).toEqual([
      ['a', 'b', 'c'],
      ['a', 'b', 'c'],
      ['b', 'c'],
      ['a', 'b', 'c'],
    ]);
    expect(slow.target.held).toBe(3);
    expect(slow.target.convergedAt).toBeTypeOf('number');
  });

  it('does not make a fast target wait for a slow one', async () => {
    const fast = scripted('fast', [final]);
    let releaseSlow: () => void = () => {};
    const slowRead = new Promise<void>((resolve) => (releaseSlow = resolve));
    const slow: TargetUnderTest = {
      name: 'slow',
      subscription: 'slow',
      read: async (docs) => {
        await slowRead;
        return new Map(docs.map((doc) => [doc.id, final(doc)]));
      },
    };
    const waiting = waitForAll([slow, fast.target], expected, 5_000, () => {}, 1);
    await vi.waitFor(() => expect(fast.target.convergedAt).toBeTypeOf('number'));
    expect(slow.convergedAt).toBeUndefined();
    releaseSlow();
    await waiting;
    expect(slow.convergedAt).toBeGreaterThanOrEqual(fast.target.convergedAt as number);
  });

  it('keeps polling, and says so, when a document left its final state before the confirming read', async () => {
    const lines: string[] = [];
    // Reads 1 and 2 (the confirmation) disagree about b; then everything holds.
    const flapping = scripted('flapping', [
      final,
      (doc) => (doc.id === 'b' ? { deleted: false, revision: 1 } : final(doc)),
      final,
    ]);
    await waitForAll([flapping.target], expected, 5_000, (line) => lines.push(line), 1);
    expect(lines.some((line) => line.includes('flapping: 1 documents left their final state'))).toBe(true);
    expect(flapping.asked.slice(2)).toEqual([['b'], ['a', 'b', 'c']]);
    expect(flapping.target.convergedAt).toBeTypeOf('number');
  });

  it('leaves a target that never converges unconverged at the deadline, with what it held', async () => {
    const stuck = scripted('stuck', [(doc) => (doc.id === 'a' ? final(doc) : undefined)]);
    await waitForAll([stuck.target], expected, 30, () => {}, 1);
    expect(stuck.target.convergedAt).toBeUndefined();
    expect(stuck.target.held).toBe(1);
  });
});
