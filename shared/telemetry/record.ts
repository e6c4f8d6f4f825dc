/**
 * Emits one run's values as OpenTelemetry metrics through the global API's meter `cosmos-sync`: gauges for levels
 * (lag, backlog, throughput, latency percentiles, health) and counters for what happened since the previous run
 * (applied events, errors by code and class). Without a registered MeterProvider the API is a no-op, so calling this
 * costs nothing when telemetry is off.
 */
import { metrics, type Attributes, type Counter, type Gauge, type Meter } from '@opentelemetry/api';
import { HEALTH_VALUE, type TelemetryHealth, type TelemetryInput } from './input.js';

export const METER_NAME = 'cosmos-sync';

export const METRIC_NAMES = {
  health: 'cosmos_sync.health',
  sourcePendingChanges: 'cosmos_sync.source.pending_changes',
  sourceLag: 'cosmos_sync.source.lag_seconds',
  sourceHealth: 'cosmos_sync.source.health',
  targetLag: 'cosmos_sync.target.lag_seconds',
  backlogActive: 'cosmos_sync.target.backlog.active',
  backlogDeadLettered: 'cosmos_sync.target.backlog.dead_lettered',
  backlogScheduled: 'cosmos_sync.target.backlog.scheduled',
  poisoned: 'cosmos_sync.target.poisoned',
  throughput: 'cosmos_sync.target.throughput_per_second',
  latencyP50: 'cosmos_sync.target.latency.p50_seconds',
  latencyP95: 'cosmos_sync.target.latency.p95_seconds',
  latencyP99: 'cosmos_sync.target.latency.p99_seconds',
  targetHealth: 'cosmos_sync.target.health',
  applied: 'cosmos_sync.target.applied',
  errors: 'cosmos_sync.target.errors',
} as const;

type GaugeName = Exclude<keyof typeof METRIC_NAMES, 'applied' | 'errors'>;

const GAUGES: Record<GaugeName, { description: string; unit: string }> = {
  health: { description: 'Health of the whole app: 0 ok, 1 degraded, 2 failing, -1 unknown', unit: '1' },
  sourcePendingChanges: { description: 'Changes in the change feed not yet published', unit: '{change}' },
  sourceLag: { description: 'How far publishing is behind the change feed', unit: 's' },
  sourceHealth: { description: 'Source health: 0 ok, 1 degraded, 2 failing, -1 unknown', unit: '1' },
  targetLag: { description: 'Now minus the source time of the newest applied event', unit: 's' },
  backlogActive: { description: "Messages waiting in the target's subscription", unit: '{message}' },
  backlogDeadLettered: { description: "Messages in the subscription's dead-letter queue", unit: '{message}' },
  backlogScheduled: { description: 'Messages scheduled on the topic', unit: '{message}' },
  poisoned: { description: 'Poison records the subscriber set aside (messages it can never apply)', unit: '{message}' },
  throughput: { description: 'Events applied per second since the previous run', unit: '{event}/s' },
  latencyP50: { description: 'Median source-to-applied latency in the interval', unit: 's' },
  latencyP95: { description: '95th percentile source-to-applied latency in the interval', unit: 's' },
  latencyP99: { description: '99th percentile source-to-applied latency in the interval', unit: 's' },
  targetHealth: { description: 'Target health: 0 ok, 1 degraded, 2 failing, -1 unknown', unit: '1' },
};

interface Instruments {
  gauges: Record<GaugeName, Gauge>;
  applied: Counter;
  errors: Counter;
}

// Instruments are created once per meter: a meter from a provider registered later is a different object.
const created = new WeakMap<Meter, Instruments>();

function instrumentsOf(meter: Meter): Instruments {
  let instruments = created.get(meter);
  if (!instruments) {
    const gauges = Object.fromEntries(
      Object.entries(GAUGES).map(([key, options]) => [key, meter.createGauge(METRIC_NAMES[key as GaugeName], options)]),
    ) as Record<GaugeName, Gauge>;
    instruments = {
      gauges,
      applied: meter.createCounter(METRIC_NAMES.applied, { description: 'Events applied', unit: '{event}' }),
      errors: meter.createCounter(METRIC_NAMES.errors, { description: 'Errors by code and class', unit: '{error}' }),
    };
    created.set(meter, instruments);
  }
  return instruments;
}

const measured = (value: number | null | undefined): value is number =>
  typeof value === 'number' && Number.isFinite(value);

/**
 * Records one run. `meter` defaults to the global API's `cosmos-sync` meter, looked up on every call because the
 * global provider may be registered after this module was loaded.
 */
export function recordTelemetry(input: TelemetryInput, meter: Meter = metrics.getMeter(METER_NAME)): void {
  const { gauges, applied, errors } = instrumentsOf(meter);
  const gauge = (name: GaugeName, value: number | null | undefined, attributes?: Attributes) => {
    if (measured(value)) gauges[name].record(value, attributes);
  };
  const health = (name: GaugeName, value: TelemetryHealth | undefined, attributes?: Attributes) => {
    if (value !== undefined) gauges[name].record(HEALTH_VALUE[value], attributes);
  };

  health('health', input.health);
  for (const source of input.sources ?? []) {
    const attributes = { source: source.name };
    gauge('sourcePendingChanges', source.pendingChanges, attributes);
    gauge('sourceLag', source.lagSeconds, attributes);
    health('sourceHealth', source.health, attributes);
  }
  for (const target of input.targets ?? []) {
    const attributes = { target: target.name };
    gauge('targetLag', target.lagSeconds, attributes);
    gauge('backlogActive', target.backlog?.active, attributes);
    gauge('backlogDeadLettered', target.backlog?.deadLettered, attributes);
    gauge('backlogScheduled', target.backlog?.scheduled, attributes);
    gauge('poisoned', target.poisoned, attributes);
    gauge('throughput', target.throughputPerSecond, attributes);
    gauge('latencyP50', target.latency?.p50Seconds, attributes);
    gauge('latencyP95', target.latency?.p95Seconds, attributes);
    gauge('latencyP99', target.latency?.p99Seconds, attributes);
    health('targetHealth', target.health, attributes);
    // Counters only go up: a negative delta (a reset upstream) is not emitted rather than corrupting the sum.
    if (measured(target.applied) && target.applied >= 0) applied.add(target.applied, attributes);
    for (const error of target.errors ?? []) {
      if (!measured(error.count) || error.count < 0) continue;
      errors.add(error.count, { ...attributes, code: error.code, ...(error.class ? { class: error.class } : {}) });
    }
  }
}
