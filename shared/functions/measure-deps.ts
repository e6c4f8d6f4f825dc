/**
 * What the metrics timer and the status API measure with, built from the configuration: the state and metrics
 * tables, the configured sources and targets, and the health thresholds. One place, so both always see the same.
 */
import type { AppConfig } from '../config/load.js';
import type { Logger } from '../logging.js';
import type { MeasureDeps } from '../status/measure.js';
import { metricsTablesFor } from './state.js';

export function measureDepsFor(config: AppConfig, logger: Logger): MeasureDeps {
  return {
    ...metricsTablesFor(config),
    logger,
    sources: config.sources,
    targets: config.targets.map((target) => ({
      name: target.name,
      type: target.type,
      subscription: target.subscription,
    })),
    thresholds: config.settings.COSMOS_SYNC_HEALTH_THRESHOLDS,
    metricsEnabled: config.settings.COSMOS_SYNC_METRICS_ENABLED,
  };
}
