/**
 * One resource (a pool, a client) per key per process, shared by everyone who acquired it and closed when the last of
 * them releases it. Targets that share a connection setting thus share one pool, and closing one target does not pull
 * the pool from under the other.
 */
export interface Acquired<T> {
  resource: T;
  /** Safe to call more than once; only the first call counts. */
  release(): Promise<void>;
}

export class SharedResources<T> {
  private readonly entries = new Map<string, { resource: T; users: number }>();

  constructor(private readonly close: (resource: T) => Promise<void>) {}

  acquire(key: string, create: () => T): Acquired<T> {
    let entry = this.entries.get(key);
    if (!entry) {
      entry = { resource: create(), users: 0 };
      this.entries.set(key, entry);
    }
    entry.users += 1;
    const held = entry;
    let released = false;
    return {
      resource: held.resource,
      release: async () => {
        if (released) return;
        released = true;
        held.users -= 1;
        if (held.users > 0) return;
        this.entries.delete(key);
        await this.close(held.resource);
      },
    };
  }
}
