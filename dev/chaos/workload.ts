/**
 * The chaos workload: seeded creates, updates, soft deletes (`_deleted: true` with a `ttl`) and re-creates over a
 * fixed key set, at a bounded rate, until told to stop; about 1% of writes are poison documents (no partition key)
 * that the publisher must quarantine. One write per key is in flight at a time, so each key's revision only grows.
 */
import type { Container } from '@azure/cosmos';
import { messageOf } from '../../shared/errors.js';
import { sleep, type Random } from './random.js';

export interface KeyState {
  id: string;
  customerId: string;
  revision: number;
  deleted: boolean;
}

export interface ChaosWorkload {
  /** Keys written at least once, with the state of their last successful write. */
  readonly keys: Map<string, KeyState>;
  /** Ids of the poison documents written. */
  readonly poison: string[];
  readonly counts: { creates: number; updates: number; deletes: number; recreates: number; failed: number };
  /** Ends the workload; resolves once every write in flight returned. */
  stop(): Promise<void>;
}

/** Long enough that no soft-deleted document expires from the source before the run compares it with the targets. */
const SOFT_DELETE_TTL_SECONDS = 3_600;

export function startWorkload(
  source: Container,
  random: Random,
  options: { keys: number; writers: number; pauseMs: number },
  log: (message: string) => void,
): ChaosWorkload {
  const keys = new Map<string, KeyState>();
  const busy = new Set<string>();
  const poison: string[] = [];
  const counts = { creates: 0, updates: 0, deletes: 0, recreates: 0, failed: 0 };
  let stopping = false;

  const writeOnce = async (): Promise<void> => {
    if (random.next() < 0.01) {
      const id = `poison-${poison.length}`;
      poison.push(id);
      // No `customerId`: the mapping cannot name the partition key, so the document must be quarantined.
      await source.items.upsert({ id, type: 'order', revision: 1, note: 'chaos poison' });
      return;
    }
    let index = random.int(0, options.keys - 1);
    while (busy.has(`chaos-${index}`)) index = (index + 1) % options.keys;
    const id = `chaos-${index}`;
    busy.add(id);
    try {
      const previous = keys.get(id);
      const next: KeyState = {
        id,
        customerId: `customer-${index % 41}`,
        revision: (previous?.revision ?? 0) + 1,
        deleted: false,
      };
      let body: Record<string, unknown> = { total: random.int(1, 1_000) };
      if (previous === undefined) counts.creates += 1;
      else if (previous.deleted) counts.recreates += 1;
      else if (random.next() < 0.25) {
        next.deleted = true;
        body = { _deleted: true, ttl: SOFT_DELETE_TTL_SECONDS };
        counts.deletes += 1;
      } else counts.updates += 1;
      await source.items.upsert({ id, customerId: next.customerId, type: 'order', revision: next.revision, ...body });
      keys.set(id, next);
    } finally {
      busy.delete(id);
    }
  };

  const writer = async (): Promise<void> => {
    while (!stopping) {
      try {
        await writeOnce();
      } catch (error) {
        // The source is not under fault; a failed write is reported, and the verdict reads the source itself.
        counts.failed += 1;
        if (counts.failed <= 5) log(`workload write failed: ${messageOf(error)}`);
      }
      await sleep(options.pauseMs);
    }
  };
  const writers = Array.from({ length: options.writers }, () => writer());
  return {
    keys,
    poison,
    counts,
    stop: async () => {
      stopping = true;
      await Promise.all(writers);
    },
  };
}
