/**
 * What the metrics timer and the status API measure with, built from the configuration: the state and metrics
 * tables, the change-feed estimator over the configured sources, the subscriptions' backlog and the health
 * thresholds. One place, so the timer and the status API always see the same.
 */
import { serviceBusAdminClientFor } from '../clients/servicebus-admin.js';
import { SERVICE_BUS_CONNECTION, type AppConfig } from '../config/load.js';
import type { SourceConfig } from '../config/schema.js';
import type { Logger } from '../logging.js';
import { isBacklogProblem, readBacklogs } from '../metrics/backlog.js';
import { estimateSources } from '../metrics/estimator/index.js';
import type { MeasureDeps, TargetRef } from '../status/measure.js';
import type { Backlog, Problem } from '../status/report.js';
import type { SourceEstimateInput } from '../status/source-status.js';
import { poisonCounter } from './poison.js';
import { metricsTablesFor } from './state.js';

function estimator(config: AppConfig, logger: Logger) {
  return async (sources: readonly SourceConfig[], now: Date): Promise<Map<string, SourceEstimateInput>> => {
    const estimates = await estimateSources({ connections: config.connections, logger }, sources, now);
    return new Map(estimates.map((estimate) => [estimate.source, estimate]));
  };
}

function backlogReader(config: AppConfig) {
  return async (targets: readonly TargetRef[]): Promise<Map<string, Backlog | Problem>> => {
    const connection = config.connections.get(SERVICE_BUS_CONNECTION);
    if (!connection) throw new Error(`${SERVICE_BUS_CONNECTION} was not resolved at start-up`);
    const admin = serviceBusAdminClientFor(connection, config.settings.ServiceBus__adminEndpoint);
    const backlogs = await readBacklogs(
      admin,
      config.settings.COSMOS_SYNC_TOPIC,
      targets.map((target) => ({ target: target.name, subscription: target.subscription })),
    );
    return new Map(
      [...backlogs].map(([target, value]) => [
        target,
        isBacklogProblem(value) ? { component: `backlog:${target}`, code: value.code, message: value.message } : value,
      ]),
    );
  };
}

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
    estimate: estimator(config, logger),
    backlog: backlogReader(config),
    poison: poisonCounter(config),
  };
}
