/** Partition key range layout and splits of the local Cosmos DB, without a server: boundaries, ids, LSNs, history. */
import { describe, expect, it } from 'vitest';
import type { ContainerDefinition, StoredDocument } from '../../local-stack/cosmos/base-server.js';
import { ContainerState } from '../../local-stack/cosmos/container-state.js';
import { effectivePartitionKey, evenBoundaries, midpointEpk } from '../../local-stack/cosmos/epk-hash.js';
import { CosmosHttpError } from '../../local-stack/cosmos/errors.js';
import { initialPartitions, splitPartition } from '../../local-stack/cosmos/partition-layout.js';

const V2: ContainerDefinition = {
  id: 'c',
  _rid: 'gAABAIAAAAE=',
  partitionKey: { paths: ['/pk'], version: 2 } as never,
};
const V1: ContainerDefinition = { id: 'c', _rid: 'gAABAIAAAAE=', partitionKey: { paths: ['/pk'] } };

function stateWith(definition: ContainerDefinition, count: number): ContainerState {
  return new ContainerState(
    'db',
    'c',
    definition._rid,
    (key) => effectivePartitionKey(definition, key),
    initialPartitions(definition, count),
  );
}

function write(state: ContainerState, pk: string): number {
  const current = { id: pk, pk, _rid: `rid-${pk}`, _self: '', _etag: '"e"', _ts: 1 } as StoredDocument;
  return state.append({
    operation: 'create',
    rid: current._rid,
    id: pk,
    partitionKey: [pk],
    current,
    timeToLiveExpired: false,
  }).lsn;
}

describe('partition key range layout', () => {
  it('keeps the default: one range "0" over the whole space', () => {
    const [only, ...rest] = initialPartitions(V2, 1);
    expect(rest).toEqual([]);
    expect(only).toMatchObject({ id: '0', minInclusive: '', maxExclusive: 'FF', parents: [] });
  });

  it('cuts V2 and V1 hash spaces into equal, ascending parts', () => {
    expect(evenBoundaries(V2, 4)).toEqual([
      '10000000000000000000000000000000',
      '20000000000000000000000000000000',
      '30000000000000000000000000000000',
    ]);
    const v1 = evenBoundaries(V1, 4);
    expect(v1).toEqual([...v1].sort());
    expect(v1[1]).toBe('05C1E0');
    for (const bounds of [evenBoundaries(V2, 8), v1]) expect(bounds.every((epk) => epk > '' && epk < 'FF')).toBe(true);
  });

  it('finds a midpoint strictly inside any range', () => {
    for (const [low, high] of [
      ['', 'FF'],
      ['7F8', '7F9'],
      ['2F', '31'],
      ['', '08000000000000000000000000000000'],
    ] as const) {
      const middle = midpointEpk(low, high);
      expect(middle > low && middle < high).toBe(true);
    }
  });

  it('splits a range into two children that continue its LSN and keep its history', () => {
    const state = stateWith(V2, 2);
    const keys = Array.from({ length: 30 }, (_, n) => `k-${n}`);
    for (const key of keys) write(state, key);
    const parent = state.partitionById('0');
    const parentLsn = parent?.currentLsn ?? 0;
    const result = splitPartition(state, '0');
    expect(result.children.map((child) => [child.id, child.startLsn])).toEqual([
      ['2', parentLsn],
      ['3', parentLsn],
    ]);
    expect(state.partitionById('0')).toBeUndefined();
    expect(state.partitions.map((partition) => partition.id)).toEqual(['2', '3', '1']);
    const [lower, upper] = [state.partitionById('2'), state.partitionById('3')];
    expect((lower?.logLength ?? 0) + (upper?.logLength ?? 0)).toBe(parentLsn);
    expect(lower?.logLength).toBeGreaterThan(0);
    expect(upper?.logLength).toBeGreaterThan(0);
    // The next write in a child takes the parent's next LSN, not 1.
    const key = keys.find((candidate) => state.partitionForKey([candidate]).id === '3') ?? '';
    expect(write(state, key)).toBe(parentLsn + 1);
    expect(() => splitPartition(state, '0')).toThrow(CosmosHttpError);
    const again = splitPartition(state, '3');
    expect(state.partitionById(again.children[0]?.id ?? '')?.parents).toEqual(['0', '3']);
  });

  it('refuses to roll a batch back across a split', () => {
    const state = stateWith(V2, 1);
    write(state, 'a');
    write(state, 'b');
    const checkpoint = state.checkpoint();
    splitPartition(state, '0');
    expect(() => state.rollback(checkpoint)).toThrow(/split/);
  });
});
