/** What the lag estimator returns; docs/metrics.md ("Change-feed lag estimator") explains the numbers. */
import type { EstimatorProblemCode } from './errors.js';

export interface EstimateProblem {
  code: EstimatorProblemCode;
  message: string;
}

export interface LeaseEstimate {
  /** The lease document's id. */
  id: string;
  /** The partition key range id (or EPK range) the lease covers. */
  leaseToken: string;
  /** The processor instance holding the lease; null when released. */
  owner: string | null;
  /** Changes after the lease's checkpoint (LSN distance, see the docs for the bounds); null = not measured. */
  pendingChanges: number | null;
  /** Seconds since the first pending change was written; 0 when nothing is pending; null = not measured. */
  lagSeconds: number | null;
  /** The lease's raw continuation (a quoted LSN); null before its first checkpoint. */
  continuation: string | null;
  /**
   * Absent while the lease covers one partition key range. During a split: `splitting` when its range now spans
   * several ranges or child leases already took part of it (its figures are those of the part still its own, read
   * range by range, see `ranges`); `superseded` when child leases cover all of it (its figures are null: the children
   * carry them, and the trigger deletes it next).
   */
  state?: 'splitting' | 'superseded';
  /** While `splitting`: one entry per current partition key range the lease is read from. */
  ranges?: LeaseRangeEstimate[];
  /** While `superseded`: the lease tokens of the child leases that cover it. */
  coveredBy?: string[];
}

/** One current partition key range's share of a splitting lease. */
export interface LeaseRangeEstimate {
  /** The current partition key range id. */
  rangeId: string;
  /** The EPK interval read: the lease's part inside that range. */
  min: string;
  max: string;
  pendingChanges: number | null;
  lagSeconds: number | null;
}

export interface SourceEstimate {
  /** The source's configured name. */
  source: string;
  leases: LeaseEstimate[];
  /** Sum over the leases that could be measured; null when none could (each unmeasured lease adds a problem). */
  pendingChanges: number | null;
  /** Largest lag over the leases that could be measured; null when none could. */
  lagSeconds: number | null;
  problems: EstimateProblem[];
}
