/**
 * Watches a Cosmos DB target container through its own change feed and records when each document first reached its
 * expected final state (revision, or tombstone for deletes). Cheap to poll and exact: no full scans.
 */
import { ChangeFeedStartFrom, StatusCodes, type Container } from '@azure/cosmos';
import type { ExpectedDocument } from './demo-workload.js';

export interface ConvergenceResult {
  converged: boolean;
  /** Documents that reached their final state, and when (ms since epoch). */
  reachedAt: Map<string, number>;
  missing: string[];
}

interface TargetItem {
  id: string;
  revision?: number;
  _sync?: { deleted?: boolean };
}

function matches(item: TargetItem, doc: ExpectedDocument): boolean {
  return doc.deleted ? item._sync?.deleted === true : item._sync?.deleted === false && item.revision === doc.revision;
}

export async function waitForConvergence(
  target: Container,
  expected: Map<string, ExpectedDocument>,
  timeoutMs: number,
  onProgress: (done: number, total: number) => void,
): Promise<ConvergenceResult> {
  const reachedAt = new Map<string, number>();
  const iterator = target.items.getChangeFeedIterator<TargetItem>({
    changeFeedStartFrom: ChangeFeedStartFrom.Beginning(),
    maxItemCount: 1000,
  });
  const deadline = Date.now() + timeoutMs;
  let lastReport = 0;
  while (reachedAt.size < expected.size && Date.now() < deadline) {
    const page = await iterator.readNext();
    const now = Date.now();
    if (page.statusCode !== StatusCodes.NotModified) {
      for (const item of page.result) {
        const doc = expected.get(item.id);
        if (doc && !reachedAt.has(item.id) && matches(item, doc)) reachedAt.set(item.id, now);
      }
    }
    if (now - lastReport > 2_000) {
      onProgress(reachedAt.size, expected.size);
      lastReport = now;
    }
    if (page.statusCode === StatusCodes.NotModified) await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const missing = [...expected.keys()].filter((id) => !reachedAt.has(id));
  return { converged: missing.length === 0, reachedAt, missing };
}

export function percentile(values: readonly number[], q: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
}
