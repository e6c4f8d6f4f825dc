/**
 * Seeded PRNGs (mulberry32). A run draws from several named streams, one per writer and one for the fault schedule,
 * each derived from the seed and its name: what one writer draws never shifts what another writer or the fault
 * schedule draws, so a seed replays every writer's sequence of writes and the same fault schedule even though the
 * writers interleave differently from run to run.
 */
export interface Random {
  /** A float in [0, 1). */
  next(): number;
  /** A whole number in [min, max]. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
}

export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => items[Math.floor(next() * items.length)] as never,
  };
}

/** The stream `name` of a run seeded with `seed` (FNV-1a of the name mixed into the seed). */
export function streamOf(seed: number, name: string): Random {
  let hash = 0x811c9dc5;
  for (const char of name) hash = Math.imul(hash ^ char.charCodeAt(0), 0x01000193) >>> 0;
  return seededRandom((seed ^ hash) >>> 0);
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
