/**
 * The plug-in point for further measurements (change-feed estimates, subscription backlogs, ...): a collector
 * returns named gauges per target, which land in the snapshot's `gauges`, the metrics row and the log line. State
 * counters are not a collector because deltas and percentiles need the previous snapshot; gauges are read as is.
 */
export type GaugesByTarget = ReadonlyMap<string, Readonly<Record<string, number>>>;

export interface MetricsCollector {
  /** Names the collector in logs; gauge names should start with it (e.g. `serviceBus.activeMessages`). */
  readonly name: string;
  /** Gauges for some or all of `targets`; a rejection is logged and the run continues without this collector. */
  collect(targets: readonly string[], now: Date): Promise<GaugesByTarget>;
}
