/**
 * What verify has found so far. A document can be read twice from the feed (changed while verify runs: the feed hands
 * it over again at its new position), so each key's verdict is replaced, never added: matching keys are only counted,
 * differing ones are kept with what a repair needs. Memory: the set of judged keys (every source key in a full run, to
 * find extras), plus the differing documents.
 */
import type { DocumentRef, HeldVersion } from '../../shared/targets/target.js';
import { DIFFERENCES, type Difference, type SourceVersion, type Verdict } from './verify-compare.js';

export interface DifferingDocument {
  kind: Difference;
  ref: DocumentRef;
  /** Absent for extras: the source does not have the document. */
  source?: SourceVersion;
  held?: HeldVersion;
  /** The source's change-feed item, kept for a repair (not for extras, or past the repair limit). */
  item?: unknown;
}

export type VerdictCounts = Record<Verdict | 'extra', number>;

export class VerifyLedger {
  readonly counts: VerdictCounts = {
    matching: 0,
    missing: 0,
    stale: 0,
    deletedButPresent: 0,
    extra: 0,
    targetNewer: 0,
  };
  readonly differing = new Map<string, DifferingDocument>();
  /** Every source key judged (all of them in a full run: what extras are found against; the sample's otherwise). */
  readonly sourceKeys = new Set<string>();
  /** When the last difference was recorded: the re-check waits for the live pipeline to catch up with it. */
  lastDifferenceAt = 0;
  itemsDropped = false;

  constructor(
    private readonly keepItems: number,
    private readonly now: () => number,
  ) {}

  /** Forgets the key's earlier verdict, if any, before a newer one is recorded. */
  private forget(key: string): void {
    const earlier = this.differing.get(key);
    if (earlier) {
      this.counts[earlier.kind] -= 1;
      this.differing.delete(key);
    } else if (this.sourceKeys.has(key)) {
      this.counts.matching -= 1;
    }
  }

  record(
    key: string,
    verdict: Verdict,
    ref: DocumentRef,
    source: SourceVersion,
    held: HeldVersion | undefined,
    item: unknown,
  ): void {
    this.forget(key);
    this.sourceKeys.add(key);
    this.counts[verdict] += 1;
    if (verdict === 'matching') return;
    const keep = this.differing.size < this.keepItems;
    if (!keep) this.itemsDropped = true;
    this.differing.set(key, { kind: verdict, ref, source, held, ...(keep ? { item } : {}) });
    this.lastDifferenceAt = this.now();
  }

  recordExtra(key: string, ref: DocumentRef, held: HeldVersion): void {
    this.counts.extra += 1;
    this.differing.set(key, { kind: 'extra', ref, held });
    this.lastDifferenceAt = this.now();
  }

  /** The re-check found the difference gone (the live pipeline caught up): it now matches. */
  resolve(key: string): void {
    const earlier = this.differing.get(key);
    if (!earlier) return;
    this.counts[earlier.kind] -= 1;
    this.differing.delete(key);
    // An extra that went away is not a source document, so it is not counted as matching.
    if (earlier.kind !== 'extra') this.counts.matching += 1;
  }

  /** The re-check found another difference for the same key. */
  reclassify(key: string, kind: Difference, held: HeldVersion | undefined): void {
    const earlier = this.differing.get(key);
    if (!earlier) return;
    this.counts[earlier.kind] -= 1;
    this.counts[kind] += 1;
    this.differing.set(key, { ...earlier, kind, held });
  }

  get differences(): number {
    return DIFFERENCES.reduce((sum, kind) => sum + this.counts[kind], 0);
  }

  get sourceDocuments(): number {
    return (
      this.counts.matching +
      this.counts.missing +
      this.counts.stale +
      this.counts.deletedButPresent +
      this.counts.targetNewer
    );
  }
}
