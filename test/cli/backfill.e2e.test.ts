/**
 * `cosmos-sync backfill` on the local pipeline (local stack + local host running the app). The source starts from
 * "now", so the documents written before the app started reach a target only through a backfill; two targets that
 * were never backfilled show that a backfill is sent to its own target only.
 */
import { BlobServiceClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../e2e/support.js';
import { differences, heldKeys, startOpsPipeline, type OpsPipeline } from './backfill-stack.js';

const HISTORY = 240;
const historyIds = Array.from({ length: HISTORY }, (_, index) => `hist-${index}`);
const customerOf = (index: number) => `c${index % 12}`;

let ops: OpsPipeline;

beforeAll(async () => {
  ops = await startOpsPipeline({
    startFrom: 'now',
    targets: [
      { name: 'orders-new', subscription: 'backfill-new', container: 'orders-new' },
      { name: 'orders-resume', subscription: 'backfill-resume', container: 'orders-resume' },
    ],
    beforeHost: async (cosmos) => {
      const source = cosmos.database('shop').container('orders');
      for (const [index, id] of historyIds.entries()) {
        await source.items.create({ id, customerId: customerOf(index), type: 'order', revision: 1 });
      }
    },
  });
});
afterAll(async () => {
  await ops?.close();
});

async function converged(target: string): Promise<void> {
  await eventually(
    async () => ((await differences(ops.source(), ops.container(target))).length === 0 ? true : undefined),
    `${target} to equal the source`,
    60_000,
  );
}

describe('cosmos-sync backfill (local pipeline)', () => {
  it('fills a new target while the source keeps changing, and sends nothing to the other targets', async () => {
    let stop = false;
    const touched = new Set<string>();
    const writer = (async () => {
      for (let step = 0; !stop; step += 1) {
        const index = (step * 7) % HISTORY;
        const id = historyIds[index] as string;
        if (step % 3 === 0) {
          await ops.source().items.create({ id: `live-${step}`, customerId: customerOf(step), revision: 1 });
        } else {
          touched.add(id);
          const deleted = step % 3 === 2 ? { _deleted: true } : {};
          await ops.source().items.upsert({ id, customerId: customerOf(index), revision: 2 + step, ...deleted });
        }
        // elapsed: workload pacing, a steady trickle of writes while the backfill runs
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
    })();
    // 60 documents a page: the writer runs until the backfill is two pages in, then stops so the feed can catch up.
    const result = await ops.run(['backfill', '--target', 'orders-new', '--rate', '60', '--json'], {
      onStderr: (text) => {
        if (text.includes('page 2')) stop = true;
      },
    });
    stop = true;
    await writer;
    expect(result.stderr).not.toContain('error');
    expect(result.code).toBe(0);
    const summary = JSON.parse(result.stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({ outcome: 'completed', endedBy: 'not-modified', resumed: false, exitCode: 0 });
    expect((summary['run'] as { published: number }).published).toBeGreaterThanOrEqual(HISTORY);
    expect(touched.size).toBeGreaterThan(0);

    await converged('orders-new');
    // The live pipeline never published the untouched history; only a backfill could have, and it was not theirs.
    const untouched = historyIds
      .filter((id) => !touched.has(id))
      .map((id) => `${customerOf(historyIds.indexOf(id))}/${id}`);
    for (const other of ['orders-copy', 'orders-resume']) {
      const held = await heldKeys(ops.container(other));
      expect(
        untouched.filter((key) => held.has(key)),
        other,
      ).toEqual([]);
    }
  });

  it('stops on Ctrl-C after the page in flight, resumes from the checkpoint, then refuses to run again', async () => {
    const controller = new AbortController();
    const first = await ops.run(['backfill', '--target', 'orders-resume', '--rate', '50', '--json'], {
      signal: controller.signal,
      onStderr: (text) => {
        if (text.includes('page 1')) controller.abort();
      },
    });
    expect(first.code).toBe(130);
    expect(JSON.parse(first.stdout)).toMatchObject({ outcome: 'interrupted', run: { pages: 1, published: 50 } });

    const blobs = BlobServiceClient.fromConnectionString(ops.pipeline.stack.settings.STORAGE_CONNECTION_STRING);
    const blob = blobs.getContainerClient('cosmos-sync-ops').getBlockBlobClient('backfill/orders-resume/orders.json');
    const saved = JSON.parse((await blob.downloadToBuffer()).toString('utf8')) as Record<string, unknown>;
    expect(saved).toMatchObject({
      schemaVersion: 1,
      target: 'orders-resume',
      subscription: 'backfill-resume',
      source: 'orders',
      start: { from: 'beginning' },
      status: 'running',
      counts: { pages: 1, documents: 50, published: 50, quarantined: 0 },
      runs: 1,
    });
    expect(saved['continuation']).toEqual(expect.any(String));

    const second = await ops.run(['backfill', '--target', 'orders-resume']);
    expect(second.code).toBe(0);
    expect(second.stdout).toContain('completed: caught up with the feed');
    expect(second.stdout).toContain('(resumed from the checkpoint)');
    await converged('orders-resume');

    const third = await ops.run(['backfill', '--target', 'orders-resume']);
    expect(third.code).toBe(0);
    expect(third.stdout).toContain('already completed');
    expect(third.stdout).toContain('--restart');

    const conflicting = await ops.run(['backfill', '--target', 'orders-resume', '--since', '2020-01-01T00:00:00Z']);
    expect(conflicting.code).toBe(64);
    expect(conflicting.stderr).toContain('started from the beginning of the change feed');
    expect(conflicting.stderr).toContain('--restart');

    const dryRun = await ops.run(['backfill', '--target', 'orders-resume', '--restart', '--dry-run', '--json']);
    expect(dryRun.code).toBe(0);
    const counted = JSON.parse(dryRun.stdout) as { dryRun: boolean; run: { published: number } };
    expect(counted.dryRun).toBe(true);
    expect(counted.run.published).toBeGreaterThanOrEqual(HISTORY);
    // A dry run saves nothing: the completed checkpoint is still there.
    const after = JSON.parse((await blob.downloadToBuffer()).toString('utf8')) as Record<string, unknown>;
    expect(after).toMatchObject({ status: 'completed', runs: 2 });
  });
});
