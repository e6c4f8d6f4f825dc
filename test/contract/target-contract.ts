/**
 * The contract every target must pass, run once per target: convergence under duplicates and reordering, tombstones,
 * coalesced batches, parallel batches, large and awkward documents, a store that is down (transient, nothing lost)
 * and one that refuses a document (permanent, only that event rejected). Reading back (read-back-contract.ts): the
 * versions held for given refs, in input order, and the listing of one source, paged.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangeEvent, EventVersion, PartitionKeyValue } from '../../shared/events/envelope.js';
import { coalesce } from '../../shared/targets/coalesce.js';
import type { Target } from '../../shared/targets/target.js';
import { makeEvent, seededRandom, shuffle, type EventSpec } from '../support/events.js';
import { collectListing, readBackCases } from './read-back-contract.js';

/** What a target holds for one document, read back through the store's own client. */
export interface StoredState {
  version: EventVersion;
  deleted: boolean;
  document: Record<string, unknown> | null;
}

export interface ContractHarness {
  /** A fresh, opened target over fresh storage (random names). */
  target: Target;
  /** The page size the target's `listDocuments` was given: small, so a few dozen documents span several pages. */
  listPageSize: number;
  read(event: Pick<ChangeEvent, 'documentId' | 'partitionKey' | 'source'>): Promise<StoredState | undefined>;
  /** Make the store fail as if down, and bring it back. */
  breakStore(): Promise<void>;
  repairStore(): Promise<void>;
  /** Make the store refuse one document for good (for example a value its schema cannot hold). */
  poisonEvent(spec: EventSpec): ChangeEvent;
  cleanup(): Promise<void>;
}

export interface ContractOptions {
  /**
   * False for stores that refuse ids containing "/", "\\", "?" or "#" (Cosmos DB): such targets never see them, since
   * a Cosmos DB source cannot hold them either.
   */
  anyIdCharacters: boolean;
  /** The store's listing may return a document twice (Redis SCAN while the keyspace is resized). */
  listingMayRepeat?: boolean;
  /**
   * The store names documents by id alone (a Redis key template without {partitionKey}, documented as correct only
   * when ids are unique across partitions), so one id under several partition keys is one document by design.
   */
  idOnlyKeys?: boolean;
  /**
   * The local store tells partition keys apart by their text only (the local Cosmos DB: 17 and "17" collide, which
   * the service keeps apart), so keys of one id that differ only in JSON type are left out there.
   */
  keysComparedAsText?: boolean;
}

/** Partition keys one id is written under, each a document of its own (see the naming case below). */
function typedKeys(options: ContractOptions): PartitionKeyValue[] {
  if (options.idOnlyKeys) return [];
  if (options.keysComparedAsText) return [17, true, null, ['tenant', 2]];
  return [17, '17', true, 'true', null, 'null', ['tenant', 2], ''];
}

let unique = 0;
const key = (prefix: string) => `${prefix}-${(unique += 1)}`;

export function runTargetContract(
  name: string,
  create: () => Promise<ContractHarness>,
  options: ContractOptions,
): void {
  describe(`target contract: ${name}`, () => {
    let harness: ContractHarness;
    beforeAll(async () => {
      harness = await create();
    });
    afterAll(async () => {
      await harness?.target.close();
      await harness?.cleanup();
    });

    const apply = (events: ChangeEvent[]) => harness.target.applyBatch(coalesce(events).latest);
    const stateOf = (spec: EventSpec) => harness.read(makeEvent(spec));

    it('creates, updates and deletes', async () => {
      const id = key('crud');
      expect(await apply([makeEvent({ id, lsn: 1, data: { v: 1 } })])).toMatchObject([{ status: 'applied' }]);
      expect(await stateOf({ id, lsn: 0 })).toMatchObject({ version: { lsn: 1 }, deleted: false, document: { v: 1 } });
      await apply([makeEvent({ id, lsn: 2, data: { v: 2 } })]);
      expect(await stateOf({ id, lsn: 0 })).toMatchObject({ version: { lsn: 2 }, document: { v: 2 } });
      expect(await apply([makeEvent({ id, lsn: 3, op: 'delete' })])).toMatchObject([{ status: 'applied' }]);
      expect(await stateOf({ id, lsn: 0 })).toMatchObject({ version: { lsn: 3 }, deleted: true });
    });

    it('treats the same event twice as one', async () => {
      const id = key('dup');
      const event = makeEvent({ id, lsn: 4, data: { v: 4 } });
      expect(await apply([event])).toMatchObject([{ status: 'applied' }]);
      expect(await apply([event])).toMatchObject([{ status: 'stale' }]);
      expect(await stateOf({ id, lsn: 0 })).toMatchObject({ version: { lsn: 4 }, document: { v: 4 } });
    });

    it('ignores an older version after a newer one', async () => {
      const id = key('older');
      await apply([makeEvent({ id, lsn: 9, data: { v: 9 } })]);
      expect(await apply([makeEvent({ id, lsn: 8, data: { v: 8 } })])).toMatchObject([{ status: 'stale' }]);
      expect(await stateOf({ id, lsn: 0 })).toMatchObject({ version: { lsn: 9 }, document: { v: 9 } });
    });

    it('keeps a deleted document deleted when a stale update arrives late', async () => {
      const id = key('tomb');
      await apply([makeEvent({ id, lsn: 1, data: { v: 1 } })]);
      await apply([makeEvent({ id, lsn: 5, op: 'delete' })]);
      expect(await apply([makeEvent({ id, lsn: 3, data: { v: 3 } })])).toMatchObject([{ status: 'stale' }]);
      expect(await stateOf({ id, lsn: 0 })).toMatchObject({ version: { lsn: 5 }, deleted: true });
      const neverSeen = key('tomb-first');
      await apply([makeEvent({ id: neverSeen, lsn: 7, op: 'delete' })]);
      await apply([makeEvent({ id: neverSeen, lsn: 6, data: { v: 6 } })]);
      expect(await stateOf({ id: neverSeen, lsn: 0 })).toMatchObject({ version: { lsn: 7 }, deleted: true });
    });

    it('applies the newest of many versions of one key in one batch', async () => {
      const id = key('many');
      const events = shuffle(
        Array.from({ length: 20 }, (_, index) => makeEvent({ id, lsn: index + 1, data: { v: index + 1 } })),
        seededRandom(7),
      );
      expect(await apply(events)).toHaveLength(1);
      expect(await stateOf({ id, lsn: 0 })).toMatchObject({ version: { lsn: 20 }, document: { v: 20 } });
    });

    // Parallel batches hold different keys, as Service Bus sessions guarantee (see the Target lifecycle); each key's
    // events still arrive duplicated and out of order across the sequential rounds.
    it('converges for any order and duplication of a key set, in parallel batches for different keys', async () => {
      const ids = Array.from({ length: 12 }, () => key('conv'));
      const events = ids.flatMap((id, index) =>
        [1, 2, 3].map((step) =>
          makeEvent({
            id,
            pk: `p${index % 3}`,
            lsn: step,
            op: step === 3 && index % 2 === 0 ? 'delete' : 'upsert',
            data: { step },
          }),
        ),
      );
      const random = seededRandom(11);
      const delivered = shuffle([...events, ...events.slice(0, 10)], random);
      const batches = [0, 1, 2, 3].map((slot) =>
        delivered.filter((event) => ids.indexOf(event.documentId) % 4 === slot),
      );
      for (const round of [0, 1, 2]) {
        await Promise.all(batches.map((batch) => apply(batch.filter((_, index) => index % 3 === round))));
      }
      for (const [index, id] of ids.entries()) {
        const state = await harness.read(makeEvent({ id, pk: `p${index % 3}`, lsn: 0 }));
        expect(state, id).toMatchObject({ version: { lsn: 3 }, deleted: index % 2 === 0 });
        if (index % 2 === 1) expect(state?.document).toMatchObject({ step: 3 });
      }
    });

    it('applies a batch of 300 keys, larger than store-side bulk limits, in one call', async () => {
      const events = Array.from({ length: 300 }, (_, index) =>
        makeEvent({ id: key('wide'), pk: `w${index % 7}`, lsn: 1 }),
      );
      const outcomes = await apply(events);
      expect(outcomes.filter((outcome) => outcome.status === 'applied')).toHaveLength(300);
      const sample = events[299] as ChangeEvent;
      expect(await harness.read(sample)).toMatchObject({ version: { lsn: 1 }, deleted: false });
      // Reading back is batched too: one call answers all 300, whatever the store's request limits.
      const held = await harness.target.readVersions(
        events.map((event) => ({
          source: event.source.name,
          documentId: event.documentId,
          partitionKey: event.partitionKey,
        })),
      );
      expect(held).toEqual(events.map((event) => ({ version: event.version, deleted: false })));
    });

    it('stores large documents and awkward ids and keys intact', async () => {
      const big = 'x'.repeat(600 * 1024);
      const awkward = [
        `it's "quoted" -- 100% ü 😀`,
        `semi;colon,comma`,
        `back\`tick`,
        ...(options.anyIdCharacters ? ['a/b'] : []),
      ];
      for (const [index, id] of awkward.entries()) {
        const spec = {
          id: `${id}-${key('k')}`,
          pk: `pk '%' -- ${index} ü`,
          lsn: 1,
          data: { text: id, big: index === 0 ? big : '' },
        };
        expect(await apply([makeEvent(spec)])).toMatchObject([{ status: 'applied' }]);
        const state = await stateOf({ ...spec, lsn: 0 });
        expect(state?.document).toMatchObject({ text: id });
        if (index === 0) expect((state?.document?.['big'] as string).length).toBe(big.length);
      }
    });

    // The bad-inputs catalogue (docs/bad-inputs.md, "Target naming"): what the lines above do not cover already.
    it('keeps long and glob-like ids, and partition keys of every JSON type, each under its own name', async () => {
      const typedId = key('typed');
      const cases: { id: string; pk: PartitionKeyValue }[] = [
        { id: `${key('long')}-${'x'.repeat(255)}`.slice(0, 255), pk: 'pk-long' },
        { id: `${key('wide')}-${'東'.repeat(255)}`.slice(0, 255), pk: 'pk-wide' },
        { id: `${key('glob')}*[x]{tag}:colon%20`, pk: 'pk-glob:*{t}' },
        // One id under keys that differ only in JSON type: each must stay a document of its own.
        ...typedKeys(options).map((pk) => ({
          id: typedId,
          pk,
        })),
      ];
      for (const [index, { id, pk }] of cases.entries()) {
        expect(await apply([makeEvent({ id, pk, lsn: 1, data: { index } })])).toMatchObject([{ status: 'applied' }]);
      }
      for (const [index, { id, pk }] of cases.entries()) {
        expect(await stateOf({ id, pk, lsn: 0 })).toMatchObject({ version: { lsn: 1 }, document: { index } });
      }
    });

    it('fails transiently while the store is down and loses nothing once it is back', async () => {
      const id = key('down');
      const ref = { source: 'test-source', documentId: id, partitionKey: 'pk-1' };
      await harness.breakStore();
      try {
        await expect(apply([makeEvent({ id, lsn: 1, data: { v: 1 } })])).rejects.toMatchObject({ retryable: true });
        await expect(harness.target.readVersions([ref])).rejects.toMatchObject({ retryable: true });
        await expect(collectListing(harness.target, 'test-source')).rejects.toMatchObject({ retryable: true });
      } finally {
        await harness.repairStore();
      }
      expect(await apply([makeEvent({ id, lsn: 1, data: { v: 1 } })])).toMatchObject([{ status: 'applied' }]);
      expect(await stateOf({ id, lsn: 0 })).toMatchObject({ version: { lsn: 1 } });
    });

    it('rejects a document it can never store, permanently, and applies the others', async () => {
      const poison = harness.poisonEvent({ id: key('poison'), lsn: 1 });
      const good = makeEvent({ id: key('good'), lsn: 1 });
      const outcomes = await apply([poison, good]);
      expect(outcomes.find((outcome) => outcome.eventId === poison.eventId)).toMatchObject({
        status: 'rejected',
        error: { retryable: false },
      });
      expect(outcomes.find((outcome) => outcome.eventId === good.eventId)).toMatchObject({ status: 'applied' });
    });

    readBackCases(() => harness, options, key);
  });
}
