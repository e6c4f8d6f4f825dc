/** The status report as OpenTelemetry input: the same values the metrics rows hold, per source and target. */
import type { StatusReport } from '../status/report.js';
import type { TelemetryInput } from '../telemetry/input.js';

export function telemetryInputOf(report: StatusReport): TelemetryInput {
  return {
    health: report.health,
    sources: report.sources.map((source) => ({
      name: source.name,
      pendingChanges: source.pendingChanges,
      lagSeconds: source.lagSeconds,
      health: source.health,
    })),
    targets: report.targets.map((target) => ({
      name: target.name,
      lagSeconds: target.lagSeconds,
      backlog: target.backlog,
      poisoned: target.poisoned,
      throughputPerSecond: target.throughputPerSecond,
      latency: target.interval?.latencyFromSource ?? null,
      health: target.health,
      applied: target.interval?.applied ?? null,
      errors: Object.entries(target.interval?.errorsByCode ?? {}).map(([code, count]) => ({ code, count })),
    })),
  };
}
