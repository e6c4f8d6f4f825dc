/**
 * Where a source's leases live, with the trigger's defaults applied. The publish function's trigger options and the
 * lag estimator both derive from this one place, so the estimator always looks where the trigger writes.
 */
import type { SourceConfig } from '../config/schema.js';

export interface LeaseLocation {
  /** Connection of the monitored account (its endpoint's host is part of every lease id). */
  connection: string;
  /** Connection of the lease container's account (the source connection unless `leaseConnection` is set). */
  leaseConnection: string;
  leaseDatabase: string;
  leaseContainer: string;
  /** The trigger's `leaseContainerPrefix`. */
  leasePrefix: string;
}

export function leaseLocationOf(source: SourceConfig): LeaseLocation {
  return {
    connection: source.connection,
    leaseConnection: source.leaseConnection ?? source.connection,
    leaseDatabase: source.leaseDatabase ?? source.database,
    leaseContainer: source.leaseContainer,
    leasePrefix: source.leasePrefix ?? `${source.name}-`,
  };
}
