import { describe, expect, it } from 'vitest';
import { seededRandom, streamOf } from '../../../dev/chaos/random.js';

const draw = (random: { next(): number }, count: number) => Array.from({ length: count }, () => random.next());

describe('chaos random streams', () => {
  it('replays a stream from its seed and name, whatever other streams drew', () => {
    const first = streamOf(7, 'writer-0');
    draw(streamOf(7, 'faults'), 1_000);
    expect(draw(first, 5)).toEqual(draw(streamOf(7, 'writer-0'), 5));
  });

  it('gives different names and seeds different streams', () => {
    expect(draw(streamOf(7, 'writer-0'), 5)).not.toEqual(draw(streamOf(7, 'writer-1'), 5));
    expect(draw(streamOf(7, 'faults'), 5)).not.toEqual(draw(streamOf(8, 'faults'), 5));
  });

  it('draws whole numbers within bounds, both ends included', () => {
    const random = seededRandom(3);
    const values = new Set(Array.from({ length: 2_000 }, () => random.int(2, 5)));
    expect([...values].sort()).toEqual([2, 3, 4, 5]);
  });
});
