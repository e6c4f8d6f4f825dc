/**
 * The reading-back part of the target contract (`readVersions`, `listDocuments`; the capability behind
 * `cosmos-sync verify`): what is held after applies, deletes and stale events, answers in input order with duplicates
 * and unknown keys, refs that round-trip whatever their ids and partition keys hold, and a listing of exactly one
 * source's documents, tombstones included, over several pages.
 */
import { expect, it } from 'vitest';
import type { ChangeEvent, PartitionKeyValue } from '../../shared/events/envelope.js';
import { coalesce } from '../../shared/targets/coalesce.js';
import { refKey, refOf } from '../../shared/targets/read-back.js';
import type { DocumentRef, HeldDocument, HeldVersion, Target } from '../../shared/targets/target.js';
import { makeEvent, seededRandom, shuffle, type EventSpec } from '../support/events.js';
import type { ContractHarness, ContractOptions } from './target-contract.js';

/** Every page of a listing, in order; rejects with the listing's error. */
export async function collectListing(target: Target, source: string): Promise<HeldDocument[][]> {
  const pages: HeldDocument[][] = [];
  for await (const page of target.listDocuments(source)) pages.push(page);
  return pages;
}

/** Partition keys of every kind a source can have, with characters that stores escape or refuse in names. */
const AWKWARD_KEYS: PartitionKeyValue[] = [
  'plain',
  'pk/with#odd?chars\\ % : {x} ~ ü 😀',
  '',
  42,
  -7.5,
  0,
  true,
  false,
  null,
  ['tenant', 7, null],
  ['a/b', false],
];

function awkwardIds(options: ContractOptions): string[] {
  return [
    `it's "quoted" -- 100% ü 😀`,
    'colon:brace{}%25~dot.',
    'back`tick;comma,',
    ...(options.anyIdCharacters ? ['a/b', 'hash#query?', 'back\\slash', '../up'] : []),
  ];
}

const held = (event: ChangeEvent): HeldVersion => ({ version: event.version, deleted: event.operation === 'delete' });

export function readBackCases(
  harnessOf: () => ContractHarness,
  options: ContractOptions,
  key: (prefix: string) => string,
): void {
  const apply = (events: ChangeEvent[]) => harnessOf().target.applyBatch(coalesce(events).latest);
  const read = (refs: DocumentRef[]) => harnessOf().target.readVersions(refs);
  const ref = (spec: EventSpec) => refOf(makeEvent(spec));

  it('reads back the version it holds, a tombstone as deleted, and nothing for an unknown key', async () => {
    const [live, gone, never] = [key('held'), key('held-gone'), key('held-never')];
    const upsert = makeEvent({ id: live, lsn: 3, ts: 1_700_000_100, data: { v: 3 } });
    const first = makeEvent({ id: gone, lsn: 1, data: { v: 1 } });
    await apply([upsert, first]);
    expect(await read([ref({ id: live, lsn: 0 }), ref({ id: gone, lsn: 0 })])).toEqual([held(upsert), held(first)]);
    const deletion = makeEvent({ id: gone, lsn: 4, op: 'delete' });
    await apply([deletion]);
    const refs = [ref({ id: live, lsn: 0 }), ref({ id: gone, lsn: 0 }), ref({ id: never, lsn: 0 })];
    expect(await read(refs)).toEqual([held(upsert), held(deletion), undefined]);
    // Stale events (older than an update, older than a delete) change nothing that is read back.
    const stale = [makeEvent({ id: live, lsn: 2, data: { v: 2 } }), makeEvent({ id: gone, lsn: 3, data: { v: 3 } })];
    expect(await apply(stale)).toMatchObject([{ status: 'stale' }, { status: 'stale' }]);
    expect(await read(refs)).toEqual([held(upsert), held(deletion), undefined]);
    expect(await read([])).toEqual([]);
  });

  it('answers in input order, duplicates included, for awkward ids and partition keys of every kind', async () => {
    const ids = awkwardIds(options);
    const applied = AWKWARD_KEYS.map((pk, index) =>
      makeEvent({ id: `${ids[index % ids.length]}-${key('order')}`, pk, lsn: index + 1, data: { index } }),
    );
    const deleted = [0, 3, 9].map((index) => {
      const event = applied[index] as ChangeEvent;
      return makeEvent({ id: event.documentId, pk: event.partitionKey, lsn: 50 + index, op: 'delete' });
    });
    await apply(applied);
    await apply(deleted);
    const model = new Map<string, HeldVersion>();
    for (const event of [...applied, ...deleted]) model.set(refKey(refOf(event)), held(event));
    const known = applied.map(refOf);
    const unknown: DocumentRef[] = [
      ref({ id: `${ids[0]}-${key('unknown')}`, pk: 'plain', lsn: 0 }),
      // The same id under a key of another type, or under the JSON text of its hierarchical key, is another document.
      { ...(known[3] as DocumentRef), partitionKey: '42' },
      { ...(known[9] as DocumentRef), partitionKey: JSON.stringify(known[9]?.partitionKey) },
      { ...(known[0] as DocumentRef), source: key('other-source') },
    ];
    const refs = shuffle([...known, ...known.slice(0, 4), ...unknown], seededRandom(3));
    expect(await read(refs)).toEqual(refs.map((one) => model.get(refKey(one))));
  });

  it('lists exactly what it holds for one source, tombstones included, over several pages', async () => {
    const harness = harnessOf();
    const ids = awkwardIds(options);
    const [source, other] = [key('list'), key('list-other')];
    const count = harness.listPageSize * 2 + 3;
    const events = Array.from({ length: count }, (_, index) =>
      makeEvent({
        id: `${ids[index % ids.length]}-${index}`,
        pk: AWKWARD_KEYS[index % AWKWARD_KEYS.length] as PartitionKeyValue,
        lsn: 10 + index,
        source,
        data: { index },
      }),
    );
    const deletes = events
      .filter((_, index) => index % 4 === 1)
      .map((event) =>
        makeEvent({
          id: event.documentId,
          pk: event.partitionKey,
          lsn: event.version.lsn + 100,
          op: 'delete',
          source,
        }),
      );
    const late = deletes.map((event) =>
      makeEvent({ id: event.documentId, pk: event.partitionKey, lsn: event.version.lsn - 1, source }),
    );
    const elsewhere = [1, 2, 3].map((index) => makeEvent({ id: `elsewhere-${index}`, lsn: index, source: other }));
    await apply([...events, ...elsewhere]);
    await apply(deletes);
    await apply(late);

    const expected = new Map<string, HeldDocument>();
    for (const event of [...events, ...deletes])
      expected.set(refKey(refOf(event)), { ...refOf(event), ...held(event) });
    const pages = await collectListing(harness.target, source);
    expect(pages.length).toBeGreaterThan(1);
    for (const page of pages) expect(page.length).toBeGreaterThan(0);
    const listed = pages.flat();
    if (!options.listingMayRepeat) expect(listed).toHaveLength(expected.size);
    expect(new Map(listed.map((document) => [refKey(document), document]))).toEqual(expected);

    const otherListed = (await collectListing(harness.target, other)).flat();
    expect(new Map(otherListed.map((document) => [refKey(document), document]))).toEqual(
      new Map(elsewhere.map((event) => [refKey(refOf(event)), { ...refOf(event), ...held(event) }])),
    );
    expect((await collectListing(harness.target, key('list-none'))).flat()).toEqual([]);
  });
}
