/** The metrics timer function: options and handler. `functions/record-metrics.ts` only registers it. */
import type { InvocationContext, Timer, TimerFunctionOptions } from '@azure/functions';
import type { AppConfig } from '../config/load.js';
import { createLogger, type Logger } from '../logging.js';
import { recordMetrics, type MetricsDeps } from '../metrics/record-metrics.js';
import { pruneMetrics } from '../metrics/retention.js';
import { telemetryInputOf } from '../metrics/telemetry-input.js';
import { setupTelemetry, type Telemetry } from '../telemetry/provider.js';
import { measureDepsFor } from './measure-deps.js';

/** Rows one run deletes at most; a backlog of old rows (retention shortened) goes over the next runs. */
const PRUNE_ROWS_PER_RUN = 1_000;

let telemetry: Promise<Telemetry> | undefined;

function timerDeps(config: AppConfig, logger: Logger): MetricsDeps {
  const deps = measureDepsFor(config, logger);
  const days = config.settings.COSMOS_SYNC_METRICS_RETENTION_DAYS;
  const partitions = [
    ...config.targets.map((target) => target.name),
    ...config.sources.map((source) => `source:${source.name}`),
  ];
  return {
    ...deps,
    emit: async (measurement) => {
      telemetry ??= setupTelemetry({
        connectionString: config.settings.APPLICATIONINSIGHTS_CONNECTION_STRING,
        authentication: config.settings.APPLICATIONINSIGHTS_AUTHENTICATION_STRING,
      });
      const meters = await telemetry;
      meters.record(telemetryInputOf(measurement.report));
      // Instances may freeze between invocations: export now. A refused export is logged, not worth failing the run.
      await meters.flush().catch((error: unknown) => logger.warn('telemetry.flush_failed', { error }));
    },
    ...(days > 0 && {
      prune: async (now) => {
        const cutoff = new Date(now.getTime() - days * 86_400_000);
        const result = await pruneMetrics(deps.metricsTable, partitions, cutoff, { maxRowsPerRun: PRUNE_ROWS_PER_RUN });
        if (result.deleted > 0 || result.capped)
          logger.info('metrics.pruned', { cutoff: cutoff.toISOString(), ...result });
      },
    }),
  };
}

export function metricsFunctionOptions(config: AppConfig): TimerFunctionOptions {
  return {
    schedule: config.settings.COSMOS_SYNC_METRICS_SCHEDULE,
    runOnStartup: false,
    handler: async (timer: Timer, context: InvocationContext): Promise<void> => {
      const logger = createLogger(context, config.settings.COSMOS_SYNC_LOG_LEVEL, {
        function: context.functionName,
        invocationId: context.invocationId,
      });
      if (timer.isPastDue) logger.warn('metrics.past_due', {});
      const { report } = await recordMetrics(timerDeps(config, logger), new Date());
      logger.info('metrics.recorded', {
        health: report.health,
        sources: report.sources.length,
        targets: report.targets.length,
        problems: report.problems.length,
      });
    },
  };
}
