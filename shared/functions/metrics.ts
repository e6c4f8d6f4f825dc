/** The metrics timer function: options and handler. `functions/record-metrics.ts` only registers it. */
import type { InvocationContext, Timer, TimerFunctionOptions } from '@azure/functions';
import { claimContainerFor } from '../claims/from-config.js';
import { sweepClaims } from '../claims/sweep.js';
import type { AppConfig } from '../config/load.js';
import { errorCode } from '../errors.js';
import { createLogger, type Logger } from '../logging.js';
import { recordMetrics, type MetricsDeps } from '../metrics/record-metrics.js';
import { pruneMetrics } from '../metrics/retention.js';
import { telemetryInputOf } from '../metrics/telemetry-input.js';
import { setupTelemetry, type Telemetry } from '../telemetry/provider.js';
import { measureDepsFor } from './measure-deps.js';

/** Rows one run deletes at most; a backlog of old rows (retention shortened) goes over the next runs. */
const PRUNE_ROWS_PER_RUN = 1_000;
/** Claim blobs one run deletes at most, likewise. */
const SWEEP_CLAIMS_PER_RUN = 1_000;
const DAY_MS = 86_400_000;

/**
 * The timer's claim-container retention (docs/claim-check.md): deletes claim blobs last written more than
 * COSMOS_SYNC_CLAIM_RETENTION_DAYS before `now`. Azurite has no lifecycle management, so locally this is the only
 * retention; in Azure the storage lifecycle policy deletes the same blobs, and this only gets there first.
 */
export function claimSweeper(config: AppConfig, logger: Logger): (now: Date) => Promise<void> {
  const days = config.settings.COSMOS_SYNC_CLAIM_RETENTION_DAYS;
  return async (now) => {
    const cutoff = new Date(now.getTime() - days * DAY_MS);
    const container = claimContainerFor(config);
    const result = await sweepClaims(container, cutoff, { maxDeletesPerRun: SWEEP_CLAIMS_PER_RUN });
    if (result.deleted > 0 || result.skipped > 0 || result.capped) {
      logger.info('claims.swept', { container: container.containerName, cutoff: cutoff.toISOString(), ...result });
    }
  };
}

let telemetry: Promise<Telemetry> | undefined;

function timerDeps(config: AppConfig, logger: Logger): MetricsDeps {
  const deps = measureDepsFor(config, logger);
  const days = config.settings.COSMOS_SYNC_METRICS_RETENTION_DAYS;
  const sweepExpiredClaims = claimSweeper(config, logger);
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
    prune: async (now) => {
      // Both retentions run; a failure of one neither stops the other nor goes unseen (the one thrown is logged by
      // recordMetrics).
      const [rows, claims] = await Promise.allSettled([days > 0 ? pruneRows(now) : undefined, sweepExpiredClaims(now)]);
      if (rows.status === 'rejected') {
        if (claims.status === 'rejected') {
          logger.error('claims.sweep_failed', { errorCode: errorCode(claims.reason), error: claims.reason });
        }
        throw rows.reason;
      }
      if (claims.status === 'rejected') throw claims.reason;
    },
  };

  async function pruneRows(now: Date): Promise<void> {
    const cutoff = new Date(now.getTime() - days * DAY_MS);
    const result = await pruneMetrics(deps.metricsTable, partitions, cutoff, { maxRowsPerRun: PRUNE_ROWS_PER_RUN });
    if (result.deleted > 0 || result.capped) logger.info('metrics.pruned', { cutoff: cutoff.toISOString(), ...result });
  }
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
