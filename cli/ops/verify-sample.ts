/**
 * A uniform random sample of the source's documents in one pass, without knowing their number (reservoir sampling,
 * algorithm R): the n-th document replaces a random slot with probability size/n. A document read again (changed
 * during the pass) replaces its own entry instead, so the sample holds its newest version.
 */
export class Reservoir<T> {
  private readonly entries: T[] = [];
  private readonly slotOf = new Map<string, number>();
  private readonly keyAt: string[] = [];
  seen = 0;

  constructor(
    readonly size: number,
    private readonly random: () => number = Math.random,
  ) {}

  offer(key: string, entry: T): void {
    const own = this.slotOf.get(key);
    if (own !== undefined) {
      this.entries[own] = entry;
      return;
    }
    this.seen += 1;
    if (this.entries.length < this.size) {
      this.place(this.entries.length, key, entry);
      return;
    }
    const slot = Math.floor(this.random() * this.seen);
    if (slot < this.size) {
      const evicted = this.keyAt[slot];
      if (evicted !== undefined) this.slotOf.delete(evicted);
      this.place(slot, key, entry);
    }
  }

  private place(slot: number, key: string, entry: T): void {
    this.entries[slot] = entry;
    this.keyAt[slot] = key;
    this.slotOf.set(key, slot);
  }

  has(key: string): boolean {
    return this.slotOf.has(key);
  }

  values(): readonly T[] {
    return this.entries;
  }
}
