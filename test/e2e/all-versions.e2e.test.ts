import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalPipeline, type LocalPipeline } from '../../dev/pipeline.js';
import { eventually, readTarget } from './support.js';

describe('pipeline end to end in AllVersionsAndDeletes mode', () => {
  let pipeline: LocalPipeline;

  beforeAll(async () => {
    pipeline = await startLocalPipeline({ sample: { changeFeedMode: 'AllVersionsAndDeletes' }, log: () => {} });
  });
  afterAll(async () => {
    await pipeline?.close();
  });

  const source = () => pipeline.cosmos.database('shop').container('orders');
  const target = () => pipeline.cosmos.database('shop').container('orders-copy');
  const tombstoneOf = (id: string, pk: string) =>
    eventually(async () => {
      const doc = await readTarget(target(), id, pk);
      return doc?._sync.deleted ? doc : undefined;
    }, `the tombstone of ${id}`);

  it('propagates real deletes', async () => {
    // The trigger starts from "now" in this mode; give it a moment to take its first lease.
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await source().items.create({ id: 'avd-1', customerId: 'a1', revision: 1 });
    await eventually(() => readTarget(target(), 'avd-1', 'a1'), 'the created document');
    await source().item('avd-1', 'a1').delete();
    const tombstone = await tombstoneOf('avd-1', 'a1');
    expect(tombstone).not.toHaveProperty('revision');
  });

  it('propagates TTL expiries as deletes', async () => {
    await source().items.create({ id: 'avd-ttl', customerId: 'a2', revision: 1, ttl: 1 });
    await eventually(() => readTarget(target(), 'avd-ttl', 'a2'), 'the document before it expires');
    await tombstoneOf('avd-ttl', 'a2');
  });

  it('does not let an intermediate version win over the delete', async () => {
    await source().items.create({ id: 'avd-3', customerId: 'a3', revision: 1 });
    await source().items.upsert({ id: 'avd-3', customerId: 'a3', revision: 2 });
    await source().item('avd-3', 'a3').delete();
    await tombstoneOf('avd-3', 'a3');
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect((await readTarget(target(), 'avd-3', 'a3'))?._sync.deleted).toBe(true);
  });
});
