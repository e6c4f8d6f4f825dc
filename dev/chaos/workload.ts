/**
 * The chaos workload: seeded creates, updates, soft deletes (`_deleted: true` with a `ttl`), hard deletes and
 * re-creates over a fixed key set, at a bounded rate, until told to stop. About 1% of writes are poison documents (no
 * partition key) that the publisher must quarantine, and about 1% are poison messages sent straight to the topic
 * (see poison-messages.ts) that every subscriber must set aside.
 *
 * Each writer owns the keys whose index it is congruent to and draws from its own random stream, so a seed replays
 * every writer's sequence of writes exactly, and one write per key is in flight at a time: a key's revision only grows.
 */
import type { Container } from '@azure/cosmos';
import { messageOf } from '../../shared/errors.js';
import { sleep, streamOf, type Random } from './random.js';

export interface KeyState {
  id: string;
  customerId: string;
  revision: number;
  /** A soft or hard delete was the last write; after a hard delete `revision` is the last live revision. */
  deleted: boolean;
}

export interface WorkloadCounts {
  creates: number;
  updates: number;
  deletes: number;
  hardDeletes: number;
  recreates: number;
  failed: number;
}

export interface ChaosWorkload {
  /** Keys written at least once, with the state of their last successful write. */
  readonly keys: Map<string, KeyState>;
  /** Ids of the poison documents written. */
  readonly poison: string[];
  /** Message ids of the poison messages sent. */
  readonly poisonMessages: string[];
  readonly counts: WorkloadCounts;
  /** Ends the workload; resolves once every write in flight returned. */
  stop(): Promise<void>;
}

export interface WorkloadOptions {
  seed: number;
  /**
   * How the source publishes deletes. LatestVersion: a soft delete (`_deleted: true`, long `ttl`) is the delete, and
   * hard deletes are left out (that mode cannot see them). AllVersionsAndDeletes: hard deletes, and soft deletes with
   * a `ttl` of a few seconds whose expiry is the delete.
   */
  mode: 'LatestVersion' | 'AllVersionsAndDeletes';
  keys: number;
  writers: number;
  pauseMs: number;
  /** Sends one poison message drawn from `random`; resolves with its message id. */
  sendPoisonMessage?: (random: Random) => Promise<string>;
}

/** LatestVersion: long enough that no soft-deleted document expires before the run compares it with the targets. */
const SOFT_DELETE_TTL_SECONDS = 3_600;
/** AllVersionsAndDeletes: soft-deleted documents expire within this many seconds, and the expiry is the delete. */
export const SHORT_TTL_SECONDS = { min: 2, max: 8 };
const POISON_DOCUMENT_SHARE = 0.01;
const POISON_MESSAGE_SHARE = 0.01;
const SOFT_DELETE_SHARE = 0.2;
const HARD_DELETE_SHARE = 0.1;

export function startWorkload(
  source: Container,
  options: WorkloadOptions,
  log: (message: string) => void,
): ChaosWorkload {
  const keys = new Map<string, KeyState>();
  const poison: string[] = [];
  const poisonMessages: string[] = [];
  const counts: WorkloadCounts = { creates: 0, updates: 0, deletes: 0, hardDeletes: 0, recreates: 0, failed: 0 };
  let stopping = false;

  const writeKey = async (random: Random, index: number): Promise<void> => {
    const id = `chaos-${index}`;
    const previous = keys.get(id);
    const customerId = `customer-${index % 41}`;
    const roll = random.next();
    const allVersions = options.mode === 'AllVersionsAndDeletes';
    if (allVersions && previous !== undefined && !previous.deleted && roll < HARD_DELETE_SHARE) {
      await source.item(id, customerId).delete();
      keys.set(id, { ...previous, deleted: true });
      counts.hardDeletes += 1;
      return;
    }
    const next: KeyState = { id, customerId, revision: (previous?.revision ?? 0) + 1, deleted: false };
    let body: Record<string, unknown> = { total: random.int(1, 1_000) };
    if (previous === undefined) counts.creates += 1;
    else if (previous.deleted) counts.recreates += 1;
    else if (roll < HARD_DELETE_SHARE + SOFT_DELETE_SHARE) {
      next.deleted = true;
      const ttl = allVersions ? random.int(SHORT_TTL_SECONDS.min, SHORT_TTL_SECONDS.max) : SOFT_DELETE_TTL_SECONDS;
      body = { _deleted: true, ttl };
      counts.deletes += 1;
    } else counts.updates += 1;
    await source.items.upsert({ id, customerId, type: 'order', revision: next.revision, ...body });
    keys.set(id, next);
  };

  const writeOnce = async (writer: number, random: Random, owned: number[]): Promise<void> => {
    const roll = random.next();
    if (roll < POISON_DOCUMENT_SHARE) {
      const id = `poison-${writer}-${poison.length}`;
      poison.push(id);
      // No `customerId`: the mapping cannot name the partition key, so the document must be quarantined.
      await source.items.upsert({ id, type: 'order', revision: 1, note: 'chaos poison' });
      return;
    }
    if (roll < POISON_DOCUMENT_SHARE + POISON_MESSAGE_SHARE && options.sendPoisonMessage) {
      poisonMessages.push(await options.sendPoisonMessage(random));
      return;
    }
    await writeKey(random, random.pick(owned));
  };

  const writer = async (writer: number): Promise<void> => {
    const random = streamOf(options.seed, `writer-${writer}`);
    const owned: number[] = [];
    for (let index = writer; index < options.keys; index += options.writers) owned.push(index);
    if (owned.length === 0) return;
    while (!stopping) {
      try {
        await writeOnce(writer, random, owned);
      } catch (error) {
        // The source is not under fault; a failed write is reported, and the verdict reads the source itself.
        counts.failed += 1;
        if (counts.failed <= 5) log(`workload write failed: ${messageOf(error)}`);
      }
      await sleep(options.pauseMs);
    }
  };
  const writers = Array.from({ length: options.writers }, (_, index) => writer(index));
  return {
    keys,
    poison,
    poisonMessages,
    counts,
    stop: async () => {
      stopping = true;
      await Promise.all(writers);
    },
  };
}
