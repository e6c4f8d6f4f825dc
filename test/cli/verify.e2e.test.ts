/**
 * `cosmos-sync verify` on the local pipeline, against Cosmos DB targets. The source starts from "now", so documents
 * written before the app started reach a target only through a backfill: `orders-copy` gets one and must match;
 * `orders-audit` does not, and gets more differences the ways they happen: a hard delete (the LatestVersion feed never
 * shows it), and rows written to the target container directly (an older version, a delete that did not stick, a row
 * no source has). Verify finds each, `--repair` sends them to that target only, and a second verify matches.
 *
 * Some rows changed directly were written by the running subscriber itself, which remembers what it wrote
 * (known-versions.ts): a repair reaches it marked as sent on purpose, so it reads the container instead of trusting
 * that memory, and the row is repaired.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eventually } from '../e2e/support.js';
import { differences, startOpsPipeline, type OpsPipeline } from './backfill-stack.js';

const LIVE = 30;
const customerOf = (index: number) => `c${index % 6}`;

let ops: OpsPipeline;
const audit = () => ops.container('orders-audit');

async function converged(target: string): Promise<void> {
  await eventually(
    async () => ((await differences(ops.source(), ops.container(target))).length === 0 ? true : undefined),
    `${target} to equal the source`,
    60_000,
  );
}

interface VerifyJson {
  mode: string;
  checked: number;
  counts: Record<string, number>;
  differences: number;
  examples: Record<string, { documentId: string }[]>;
  exitCode: number;
}

beforeAll(async () => {
  ops = await startOpsPipeline({
    startFrom: 'now',
    targets: [{ name: 'orders-audit', subscription: 'verify-audit', container: 'orders-audit' }],
    beforeHost: async (cosmos) => {
      const source = cosmos.database('shop').container('orders');
      for (const id of ['pre-0', 'pre-1', 'pre-2']) await source.items.create({ id, customerId: 'p1', revision: 1 });
      await source.items.create({ id: 'pre-stale', customerId: 'p2', revision: 1 });
      await source.items.upsert({ id: 'pre-stale', customerId: 'p2', revision: 2 });
      await source.items.create({ id: 'pre-deleted', customerId: 'p3', revision: 1 });
      await source.items.upsert({ id: 'pre-deleted', customerId: 'p3', revision: 2, _deleted: true });
    },
  });
  for (let index = 0; index < LIVE; index += 1) {
    await ops.source().items.create({ id: `v-${index}`, customerId: customerOf(index), type: 'order', revision: 1 });
  }
  const backfill = await ops.run(['backfill', '--target', 'orders-copy']);
  expect(backfill.code, backfill.stderr).toBe(0);
  await converged('orders-copy');
});
afterAll(async () => {
  await ops?.close();
});

describe('cosmos-sync verify (local pipeline)', () => {
  it('reports a converged target as matching, in full and as a sample', async () => {
    const full = await ops.run(['verify', '--target', 'orders-copy']);
    expect(full.stderr).not.toContain('error');
    expect(full.code).toBe(0);
    // 30 live documents and 5 backfilled ones (the soft-deleted one matches as a tombstone), less v-1 once the
    // other test has hard-deleted it.
    expect(full.stdout).toMatch(/matching\s+3[45]\b/);
    expect(full.stdout).toContain('Everything matches.');

    const sample = await ops.run(['verify', '--target', 'orders-copy', '--sample', '10', '--json']);
    expect(sample.code).toBe(0);
    expect(JSON.parse(sample.stdout)).toMatchObject({ mode: 'sample', checked: 10, differences: 0, exitCode: 0 });
  });

  it('finds missing, stale, deleted-but-present and extra documents, repairs them, then matches', async () => {
    await eventually(
      async () => ((await audit().item('v-1', customerOf(1)).read()).resource ? true : undefined),
      'v-1',
    );
    // Hard-deleted in the source: the LatestVersion feed never shows it, so the target keeps its live copy.
    await ops.source().item('v-1', customerOf(1)).delete();
    const row = (id: string, pk: string, lsn: number) => ({
      id,
      pk,
      revision: 0,
      _sync: { source: 'orders', lsn, ts: 1_700_000_000, deleted: false, eventId: 'written-by-hand' },
    });
    // Stale: an older version than the source's. Deleted but present: live where the source soft-deleted it.
    await audit().items.create(row('pre-stale', 'p2', 1));
    await audit().items.create(row('pre-deleted', 'p3', 1));
    // Extra: a live row the source never had.
    await audit().items.create(row('ghost', 'p4', 3));
    // Rows the subscriber wrote itself, then deleted and set back to an older version behind its back.
    await eventually(
      async () => ((await audit().item('v-3', customerOf(3)).read()).resource ? true : undefined),
      'v-3',
    );
    await audit().item('v-2', customerOf(2)).delete();
    await audit().items.upsert(row('v-3', customerOf(3), 1));

    const found = await ops.run(['verify', '--target', 'orders-audit', '--json']);
    expect(found.code, found.stderr).toBe(1);
    const report = JSON.parse(found.stdout) as VerifyJson;
    expect(report.counts).toEqual({
      matching: LIVE - 3,
      missing: 4,
      stale: 2,
      deletedButPresent: 1,
      extra: 2,
      targetNewer: 0,
    });
    const ids = (kind: string) => report.examples[kind]?.map((example) => example.documentId).sort();
    expect(ids('missing')).toEqual(['pre-0', 'pre-1', 'pre-2', 'v-2']);
    expect(ids('stale')).toEqual(['pre-stale', 'v-3']);
    expect(ids('deletedButPresent')).toEqual(['pre-deleted']);
    expect(ids('extra')).toEqual(['ghost', 'v-1']);

    // A sample as large as the source checks every document, but never finds extras.
    const sampled = await ops.run(['verify', '--target', 'orders-audit', '--sample', '1000']);
    expect(sampled.code).toBe(1);
    expect(sampled.stdout).toMatch(/missing\s+4\b/);
    expect(sampled.stdout).toContain('not checked (a sample cannot find extras');

    const repaired = await ops.run(['verify', '--target', 'orders-audit', '--repair', '--json']);
    expect(repaired.code).toBe(0);
    expect(JSON.parse(repaired.stdout)).toMatchObject({
      repair: { resent: 7, deletes: 2, quarantined: 0, targetNewer: 0, withoutItem: 0 },
    });
    expect(repaired.stdout).not.toContain('Everything matches');

    await converged('orders-audit');
    const confirmed = await ops.run(['verify', '--target', 'orders-audit']);
    expect(confirmed.code).toBe(0);
    expect(confirmed.stdout).toContain('Everything matches.');
    // The repair went to orders-audit only: orders-copy still holds v-1, which no event of the source deletes.
    const copy = await ops.run(['verify', '--target', 'orders-copy', '--repair', '--json']);
    expect(copy.code).toBe(0);
    expect(JSON.parse(copy.stdout)).toMatchObject({ counts: { extra: 1 }, repair: { deletes: 1 } });
    await converged('orders-copy');
    expect(ops.hostErrors).toEqual([]);
  });
});
