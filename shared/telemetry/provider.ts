/**
 * Where the metrics go. With an Application Insights connection string (the caller reads
 * `APPLICATIONINSIGHTS_CONNECTION_STRING`) and no MeterProvider registered by anyone else, this module registers one
 * that exports to Azure Monitor. Otherwise values go to whatever the global OpenTelemetry API holds: the user's own
 * provider, or nothing (a no-op).
 *
 * Functions instances may be frozen between invocations, so a periodic export cannot be relied on: the timer calls
 * `flush()` at the end of each run, which exports at once and reports a failed export as a typed error.
 *
 * The SDK and the exporter are loaded only when a connection string is set: importing them costs about a quarter of a
 * second, which every cold start of every function would otherwise pay.
 *
 * An Application Insights resource with local authentication disabled accepts only Microsoft Entra ID: with
 * `APPLICATIONINSIGHTS_AUTHENTICATION_STRING` set (parsed into `authentication`), the exporter signs in with the
 * managed identity it names, through the same `credentialFor` every other client uses.
 */
import type { AzureMonitorExporterOptions, AzureMonitorMetricExporter } from '@azure/monitor-opentelemetry-exporter';
import { createNoopMeter, metrics } from '@opentelemetry/api';
import type { PushMetricExporter } from '@opentelemetry/sdk-metrics';
import { credentialFor } from '../clients/credential.js';
import { ConfigError, CosmosSyncError } from '../errors.js';
import type { AppInsightsAuthentication } from './authentication.js';
import { METER_NAME, recordTelemetry } from './record.js';
import type { TelemetryInput } from './input.js';

export interface TelemetryOptions {
  /** The Application Insights connection string; absent or blank: no exporter of our own. */
  connectionString?: string | undefined;
  /** From `APPLICATIONINSIGHTS_AUTHENTICATION_STRING`: sign in with this managed identity (Entra-only ingestion). */
  authentication?: AppInsightsAuthentication | undefined;
  /** Background export period; the timer's `flush()` exports anyway. Default 60 s. */
  exportIntervalMillis?: number;
  /** Passed to `AzureMonitorMetricExporter` (e.g. `disableOfflineStorage`); `authentication` sets `credential`. */
  exporterOptions?: Omit<AzureMonitorExporterOptions, 'connectionString'>;
}

export interface Telemetry {
  /** `azure-monitor`: this module's provider exports to Application Insights; `global`: someone else's or none. */
  readonly mode: 'azure-monitor' | 'global';
  record(input: TelemetryInput): void;
  /** Exports what was recorded now. Rejects with `TelemetryError` when the export failed. */
  flush(): Promise<void>;
  /** Stops this module's provider (and unregisters it); a no-op in `global` mode. */
  shutdown(): Promise<void>;
}

export class TelemetryError extends CosmosSyncError {
  readonly code = 'TELEMETRY_EXPORT_FAILED';
  readonly retryable = true;
}

/** Forwards to the real exporter and keeps the failures, which the SDK's reader only logs. */
class ReportingExporter implements PushMetricExporter {
  failures: Error[] = [];
  readonly selectAggregationTemporality: PushMetricExporter['selectAggregationTemporality'];

  constructor(private readonly inner: AzureMonitorMetricExporter) {
    this.selectAggregationTemporality = inner.selectAggregationTemporality.bind(inner);
  }

  export(...[batch, done]: Parameters<PushMetricExporter['export']>): void {
    void this.inner.export(batch, (result) => {
      // ExportResultCode.SUCCESS is 0 (the enum lives in @opentelemetry/core, not a direct dependency).
      if (result.code !== 0) this.failures.push(result.error ?? new Error('the exporter reported a failed export'));
      done(result);
    });
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }
}

let installed: Promise<Telemetry> | undefined;

function globalTelemetry(): Telemetry {
  return {
    mode: 'global',
    record: (input) => recordTelemetry(input),
    // Someone else's SDK provider has forceFlush; the no-op API provider has none.
    flush: async () => {
      const provider = metrics.getMeterProvider() as { forceFlush?: () => Promise<void> };
      if (typeof provider.forceFlush === 'function') await provider.forceFlush();
    },
    shutdown: async () => undefined,
  };
}

/** True while the global API holds no provider (its no-op provider hands out the one no-op meter). */
const nothingRegistered = (): boolean => metrics.getMeterProvider().getMeter(METER_NAME) === createNoopMeter();

const SETTING = 'APPLICATIONINSIGHTS_CONNECTION_STRING';
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * What is wrong with an Application Insights connection string, or undefined when it looks right (or is absent).
 * Pure, for the configuration loader; the exporter would otherwise discard a malformed one with only a debug log.
 */
export function telemetryConnectionStringProblem(value: string | undefined): string | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const fields = value
    .trim()
    .split(';')
    .filter((part) => part.trim() !== '');
  const pairs = fields.map((field) => field.split('='));
  if (pairs.some((pair) => pair.length !== 2)) {
    return `${SETTING}: expected "Key=value" pairs separated by ";" (values may not contain "="), as the Azure portal shows it`;
  }
  const key = pairs.find(([name]) => name?.trim().toLowerCase() === 'instrumentationkey')?.[1]?.trim();
  if (!key || !GUID.test(key)) {
    return `${SETTING}: expected InstrumentationKey=<GUID>;IngestionEndpoint=https://... (copy it from the Application Insights resource)`;
  }
  return undefined;
}

/**
 * Once per process: later calls return the first call's result, whatever they pass (the connection string does not
 * change within a process). Rejects with `ConfigError` naming the setting when the connection string is malformed.
 */
export function setupTelemetry(options: TelemetryOptions = {}): Promise<Telemetry> {
  const connectionString = options.connectionString?.trim();
  if (installed) return installed;
  const problem = telemetryConnectionStringProblem(connectionString);
  if (problem !== undefined) return Promise.reject(new ConfigError(`invalid configuration:\n  ${problem}`, [problem]));
  if (!connectionString || !nothingRegistered()) return Promise.resolve(globalTelemetry());
  const setup = install(connectionString, options).catch((error: unknown) => {
    installed = undefined; // let a later call try again (and report the error again)
    throw error;
  });
  installed = setup;
  return setup;
}

/**
 * What the Azure Monitor exporter is built with. Exported as the seam that shows the configured identity reaches the
 * exporter's credential, without building an exporter.
 */
export function exporterOptionsOf(connectionString: string, options: TelemetryOptions): AzureMonitorExporterOptions {
  const { authentication } = options;
  return {
    ...options.exporterOptions,
    connectionString,
    ...(authentication && { credential: credentialFor(authentication.clientId) }),
  };
}

async function install(connectionString: string, options: TelemetryOptions): Promise<Telemetry> {
  const [{ AzureMonitorMetricExporter }, { MeterProvider, PeriodicExportingMetricReader }] = await Promise.all([
    import('@azure/monitor-opentelemetry-exporter'),
    import('@opentelemetry/sdk-metrics'),
  ]);
  const exporter = new ReportingExporter(new AzureMonitorMetricExporter(exporterOptionsOf(connectionString, options)));
  const provider = new MeterProvider({
    readers: [
      new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: options.exportIntervalMillis ?? 60_000 }),
    ],
  });
  metrics.setGlobalMeterProvider(provider);
  return {
    mode: 'azure-monitor',
    record: (input) => recordTelemetry(input, provider.getMeter(METER_NAME)),
    flush: async () => {
      exporter.failures = [];
      await provider.forceFlush();
      const [first] = exporter.failures;
      if (first) {
        throw new TelemetryError(`exporting metrics to Application Insights failed: ${first.message}`, {
          cause: first,
        });
      }
    },
    shutdown: async () => {
      installed = undefined;
      metrics.disable();
      await provider.shutdown();
    },
  };
}
