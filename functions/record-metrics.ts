// Registration only: the timer that records lag, backlog and error metrics (see shared/functions/metrics.ts).
// With COSMOS_SYNC_METRICS_ENABLED=false there is nothing to record, so the timer is not registered.
import { app } from '@azure/functions';
import { getConfig } from '../shared/config/load.js';
import { metricsFunctionOptions } from '../shared/functions/metrics.js';

const config = getConfig();
if (config.settings.COSMOS_SYNC_METRICS_ENABLED) app.timer('record-metrics', metricsFunctionOptions(config));
