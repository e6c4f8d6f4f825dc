// Registration only: the timer that turns per-target state into lag and error metrics (see shared/functions/metrics.ts).
import { app } from '@azure/functions';
import { getConfig } from '../shared/config/load.js';
import { metricsFunctionOptions } from '../shared/functions/metrics.js';

app.timer('record-metrics', metricsFunctionOptions(getConfig()));
