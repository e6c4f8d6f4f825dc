/**
 * The OpenTelemetry metrics one run emits, read back through the SDK's in-memory exporter (no I/O).
 */
import { metrics } from '@opentelemetry/api';
import {
  AggregationTemporality,
  InMemoryMetricExporter,
  MeterProvider,
  PeriodicExportingMetricReader,
} from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it } from 'vitest';
import type { TelemetryInput } from '../../shared/telemetry/input.js';
import { setupTelemetry, telemetryConnectionStringProblem } from '../../shared/telemetry/provider.js';
import { ConfigError } from '../../shared/errors.js';
import { METER_NAME, METRIC_NAMES, recordTelemetry } from '../../shared/telemetry/record.js';

interface Point {
  name: string;
  value: unknown;
  attributes: Record<string, unknown>;
}

/** A provider whose every flush lands in memory, with delta temporality as the Azure Monitor exporter uses. */
function memoryProvider() {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.DELTA);
  const provider = new MeterProvider({
    readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 })],
  });
  /** The points exported so far. */
  const exported = (): Point[] =>
    exporter.getMetrics().flatMap((resource) =>
      resource.scopeMetrics.flatMap((scope) =>
        scope.metrics.flatMap((metric) =>
          metric.dataPoints.map((point) => ({
            name: metric.descriptor.name,
            value: point.value,
            attributes: { ...point.attributes },
          })),
        ),
      ),
    );
  /** Flushes and returns the points of that flush only. */
  const flush = async (): Promise<Point[]> => {
    exporter.reset();
    await provider.forceFlush();
    return exported();
  };
  const scopes = () => exporter.getMetrics().flatMap((r) => r.scopeMetrics.map((s) => s.scope.name));
  return { provider, flush, exported, scopes };
}

const pick = (points: Point[], name: string) => points.filter((point) => point.name === name);

const INPUT: TelemetryInput = {
  health: 'degraded',
  sources: [{ name: 'orders', pendingChanges: 120, lagSeconds: 4.5, health: 'ok' }],
  targets: [
    {
      name: 'orders-copy',
      lagSeconds: 2,
      backlog: { active: 30, deadLettered: 2, scheduled: 0 },
      poisoned: 5,
      throughputPerSecond: 850.5,
      latency: { p50Seconds: 0.4, p95Seconds: 1.2, p99Seconds: 2.5 },
      health: 'failing',
      applied: 5000,
      errors: [
        { code: 'TARGET_UNAVAILABLE', class: 'transient', count: 3 },
        { code: 'EVENT_INVALID', class: 'permanent', count: 1 },
      ],
    },
    { name: 'orders-pg', health: 'unknown', lagSeconds: null, backlog: null, latency: null, applied: 0 },
  ],
};

afterEach(() => {
  metrics.disable();
});

describe('recordTelemetry', () => {
  it('emits every gauge and counter with its attributes', async () => {
    const { provider, flush, scopes } = memoryProvider();
    recordTelemetry(INPUT, provider.getMeter(METER_NAME));
    const points = await flush();
    expect(scopes()).toEqual([METER_NAME]);

    const copy = { target: 'orders-copy' };
    expect(pick(points, METRIC_NAMES.health)).toEqual([{ name: 'cosmos_sync.health', value: 1, attributes: {} }]);
    expect(pick(points, 'cosmos_sync.source.pending_changes')).toEqual([
      { name: 'cosmos_sync.source.pending_changes', value: 120, attributes: { source: 'orders' } },
    ]);
    expect(pick(points, 'cosmos_sync.source.lag_seconds')[0]).toMatchObject({ value: 4.5 });
    expect(pick(points, 'cosmos_sync.source.health')[0]).toMatchObject({ value: 0, attributes: { source: 'orders' } });
    expect(pick(points, 'cosmos_sync.target.lag_seconds')).toEqual([
      { name: 'cosmos_sync.target.lag_seconds', value: 2, attributes: copy },
    ]);
    expect(pick(points, 'cosmos_sync.target.backlog.active')[0]).toMatchObject({ value: 30, attributes: copy });
    expect(pick(points, 'cosmos_sync.target.backlog.dead_lettered')[0]).toMatchObject({ value: 2 });
    expect(pick(points, 'cosmos_sync.target.backlog.scheduled')[0]).toMatchObject({ value: 0 });
    expect(pick(points, 'cosmos_sync.target.poisoned')[0]).toMatchObject({ value: 5, attributes: copy });
    expect(pick(points, 'cosmos_sync.target.throughput_per_second')[0]).toMatchObject({ value: 850.5 });
    expect(pick(points, 'cosmos_sync.target.latency.p50_seconds')[0]).toMatchObject({ value: 0.4 });
    expect(pick(points, 'cosmos_sync.target.latency.p95_seconds')[0]).toMatchObject({ value: 1.2 });
    expect(pick(points, 'cosmos_sync.target.latency.p99_seconds')[0]).toMatchObject({ value: 2.5 });
    expect(pick(points, 'cosmos_sync.target.health').map((p) => [p.attributes['target'], p.value])).toEqual([
      ['orders-copy', 2],
      ['orders-pg', -1],
    ]);
    expect(pick(points, 'cosmos_sync.target.applied').map((p) => [p.attributes['target'], p.value])).toEqual([
      ['orders-copy', 5000],
      ['orders-pg', 0],
    ]);
    expect(pick(points, 'cosmos_sync.target.errors')).toEqual([
      {
        name: 'cosmos_sync.target.errors',
        value: 3,
        attributes: { target: 'orders-copy', code: 'TARGET_UNAVAILABLE', class: 'transient' },
      },
      {
        name: 'cosmos_sync.target.errors',
        value: 1,
        attributes: { target: 'orders-copy', code: 'EVENT_INVALID', class: 'permanent' },
      },
    ]);
    // Every name the module documents is one of the names emitted here.
    expect(new Set(points.map((p) => p.name))).toEqual(new Set(Object.values(METRIC_NAMES)));
  });

  it('emits nothing for values not measured, nor negative or non-finite counts', async () => {
    const { provider, flush } = memoryProvider();
    recordTelemetry(
      {
        targets: [
          {
            name: 't',
            lagSeconds: Number.NaN,
            throughputPerSecond: Number.POSITIVE_INFINITY,
            latency: { p50Seconds: null },
            applied: -5,
            errors: [{ code: 'X', count: -1 }],
          },
        ],
      },
      provider.getMeter(METER_NAME),
    );
    recordTelemetry({}, provider.getMeter(METER_NAME));
    expect(await flush()).toEqual([]);
  });

  it('adds counters as deltas per run, keeps the last gauge value, and leaves out an unknown error class', async () => {
    const { provider, flush } = memoryProvider();
    const meter = provider.getMeter(METER_NAME);
    recordTelemetry({ targets: [{ name: 't', applied: 10, lagSeconds: 5, errors: [{ code: 'X', count: 2 }] }] }, meter);
    recordTelemetry({ targets: [{ name: 't', applied: 15, lagSeconds: 3 }] }, meter);
    const first = await flush();
    expect(pick(first, 'cosmos_sync.target.applied')[0]?.value).toBe(25);
    expect(pick(first, 'cosmos_sync.target.lag_seconds')[0]?.value).toBe(3);
    expect(pick(first, 'cosmos_sync.target.errors')[0]?.attributes).toEqual({ target: 't', code: 'X' });

    recordTelemetry({ targets: [{ name: 't', applied: 4 }] }, meter);
    const second = await flush();
    expect(pick(second, 'cosmos_sync.target.applied')[0]?.value).toBe(4); // delta since the last export
  });

  it('goes to the global API by default, so a provider registered later still receives the values', async () => {
    recordTelemetry(INPUT); // nothing registered yet: a no-op, and no error
    const { provider, flush } = memoryProvider();
    metrics.setGlobalMeterProvider(provider);
    recordTelemetry({ targets: [{ name: 't', applied: 1 }] });
    expect(pick(await flush(), 'cosmos_sync.target.applied')).toHaveLength(1);
  });
});

describe('setupTelemetry without an exporter of its own', () => {
  it('uses the global API when no connection string is given, and flush is harmless', async () => {
    const telemetry = await setupTelemetry({ connectionString: '  ' });
    expect(telemetry.mode).toBe('global');
    telemetry.record(INPUT);
    await expect(telemetry.flush()).resolves.toBeUndefined();
    await expect(telemetry.shutdown()).resolves.toBeUndefined();
  });

  it('leaves a provider someone else registered in place and flushes that one', async () => {
    const { provider, exported } = memoryProvider();
    metrics.setGlobalMeterProvider(provider);
    const telemetry = await setupTelemetry({
      connectionString: 'InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=http://127.0.0.1:9/',
    });
    expect(telemetry.mode).toBe('global');
    telemetry.record({ targets: [{ name: 't', lagSeconds: 7 }] });
    await telemetry.flush(); // reaches the user's provider, which exports at once
    expect(pick(exported(), 'cosmos_sync.target.lag_seconds')).toMatchObject([
      { value: 7, attributes: { target: 't' } },
    ]);
  });
});

describe('the Application Insights connection string', () => {
  it('is checked before anything is loaded, with an error naming the setting', async () => {
    for (const bad of ['InstrumentationKey=not-a-guid', 'IngestionEndpoint=https://x/', 'garbage', 'a=b=c']) {
      expect(telemetryConnectionStringProblem(bad)).toMatch(/^APPLICATIONINSIGHTS_CONNECTION_STRING: expected /);
      await expect(setupTelemetry({ connectionString: bad })).rejects.toThrow(ConfigError);
    }
  });

  it('accepts the portal form and an absent value', () => {
    expect(
      telemetryConnectionStringProblem(
        'InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/;LiveEndpoint=https://westeurope.livediagnostics.monitor.azure.com/;ApplicationId=11111111-1111-1111-1111-111111111111',
      ),
    ).toBeUndefined();
    expect(telemetryConnectionStringProblem(undefined)).toBeUndefined();
    expect(telemetryConnectionStringProblem('')).toBeUndefined();
  });
});
