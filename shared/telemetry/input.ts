/**
 * What the metrics timer hands to OpenTelemetry once per run: plain values, already measured. `null` or `undefined`
 * means "not measured this run" and emits nothing (never a zero). Counters take what happened since the previous run
 * (the interval's delta), not totals.
 */

/** Health as the status report has it; emitted as a number so it can be charted and alerted on. */
export type TelemetryHealth = 'ok' | 'degraded' | 'failing' | 'unknown';

export const HEALTH_VALUE: Readonly<Record<TelemetryHealth, number>> = {
  ok: 0,
  degraded: 1,
  failing: 2,
  unknown: -1,
};

type Measured = number | null | undefined;

export interface SourceTelemetry {
  /** The source's configured name (attribute `source`). */
  name: string;
  /** Estimated changes not yet published, summed over the source's leases. */
  pendingChanges?: Measured;
  /** Seconds behind, the largest lease lag. */
  lagSeconds?: Measured;
  health?: TelemetryHealth;
}

export interface TargetTelemetry {
  /** The target's configured name (attribute `target`). */
  name: string;
  /** Seconds behind: now minus the source time of the newest applied event (0 when drained). */
  lagSeconds?: Measured;
  backlog?: { active: number; deadLettered: number; scheduled?: number } | null;
  /** Poison records the subscriber set aside and that are still kept. */
  poisoned?: Measured;
  /** Events applied per second over the interval. */
  throughputPerSecond?: Measured;
  /** Latency from source write to applied over the interval (field names as in the status report). */
  latency?: { p50Seconds?: Measured; p95Seconds?: Measured; p99Seconds?: Measured } | null;
  health?: TelemetryHealth;
  /** Events applied since the previous run. */
  applied?: Measured;
  /** Errors since the previous run by stable code; `class` is added as an attribute when known. */
  errors?: readonly { code: string; class?: 'transient' | 'permanent'; count: number }[];
}

export interface TelemetryInput {
  /** The whole app's health (the worst of its sources and targets). */
  health?: TelemetryHealth;
  sources?: readonly SourceTelemetry[];
  targets?: readonly TargetTelemetry[];
}
