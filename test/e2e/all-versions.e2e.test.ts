import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalPipeline, type LocalPipeline } from '../../dev/pipeline.js';
import { eventually, readTarget } from './support.js';

describe('pipeline end to end in AllVersionsAndDeletes mode', () => {
  let pipeline: LocalPipeline;
  const hostEvents: string[] = [];

  beforeAll(async () => {
    pipeline = await startLocalPipeline({
      sample: { changeFeedMode: 'AllVersionsAndDeletes' },
      log: (line) => void hostEvents.push(String(line['event'])),
    });
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
    // The trigger starts from "now" in this mode: a write before it holds its lease (and has read its first page,
    // which fixes "now") would not be seen, as in Azure.
    await eventually(
      async () => (hostEvents.includes('cosmos.lease.acquired') ? true : undefined),
      'the trigger to take its lease',
    );
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
    // Every message the subscriber received is settled: nothing of this key can still change the target.
    const counts = pipeline.stack.serviceBus.counts;
    await eventually(
      async () =>
        counts.subscription('cosmos-sync-events', 'cosmos-target')?.activeMessageCount === 0 ? true : undefined,
      'the Cosmos target subscription to be drained',
    );
    expect((await readTarget(target(), 'avd-3', 'a3'))?._sync.deleted).toBe(true);
  });
});
