/**
 * The passes of verify that ask the target about documents already judged: the walk of everything it holds (extras),
 * and the re-check of every differing document at the end.
 */
import type { Target } from '../../shared/targets/target.js';
import type { Clock } from './token-bucket.js';
import { classify, keyOf } from './verify-compare.js';
import type { VerifyLedger } from './verify-ledger.js';

export const READ_CHUNK = 500;

export interface RecheckCounts {
  rechecked: number;
  resolved: number;
}

export async function findExtras(
  target: Target,
  source: string,
  ledger: VerifyLedger,
  signal: AbortSignal | undefined,
): Promise<{ total: number; live: number }> {
  const held = { total: 0, live: 0 };
  for await (const page of target.listDocuments(source, signal)) {
    for (const document of page) {
      held.total += 1;
      if (document.deleted) continue;
      held.live += 1;
      const ref = { source, documentId: document.documentId, partitionKey: document.partitionKey };
      const key = keyOf(ref);
      if (!ledger.sourceKeys.has(key)) ledger.recordExtra(key, ref, { version: document.version, deleted: false });
    }
  }
  return held;
}

export async function recheck(
  target: Target,
  ledger: VerifyLedger,
  counts: RecheckCounts,
  clock: Clock,
  settleMs: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  if (ledger.differing.size === 0) return;
  // The live pipeline may still be applying what the source changed just before it was read.
  const wait = ledger.lastDifferenceAt + settleMs - clock.now();
  if (wait > 0) await clock.sleep(wait, signal);
  const keys = [...ledger.differing.keys()];
  counts.rechecked = keys.length;
  for (let start = 0; start < keys.length; start += READ_CHUNK) {
    if (signal?.aborted) return;
    const chunk = keys.slice(start, start + READ_CHUNK).flatMap((key) => {
      const found = ledger.differing.get(key);
      return found ? [{ key, found }] : [];
    });
    const held = await target.readVersions(
      chunk.map(({ found }) => found.ref),
      signal,
    );
    chunk.forEach(({ key, found }, index) => {
      const now = held[index];
      const verdict = found.source ? classify(found.source, now) : now && !now.deleted ? 'extra' : 'matching';
      if (verdict === 'matching') {
        ledger.resolve(key);
        counts.resolved += 1;
      } else {
        ledger.reclassify(key, verdict, now);
      }
    });
  }
}
