/** The metrics timer function: options and handler. `functions/record-metrics.ts` only registers it. */
import type { InvocationContext, Timer, TimerFunctionOptions } from '@azure/functions';
import type { AppConfig } from '../config/load.js';
import { createLogger } from '../logging.js';
import { recordMetrics } from '../metrics/record-metrics.js';
import { measureDepsFor } from './measure-deps.js';

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
      const { report } = await recordMetrics(measureDepsFor(config, logger), new Date());
      logger.info('metrics.recorded', {
        health: report.health,
        sources: report.sources.length,
        targets: report.targets.length,
        problems: report.problems.length,
      });
    },
  };
}
