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
