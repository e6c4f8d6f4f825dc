// Registration only: the operator's HTTP functions, GET /api/status, /api/history and /api/dashboard
// (see shared/functions/status.ts and shared/dashboard/).
import { app } from '@azure/functions';
import { getConfig } from '../shared/config/load.js';
import { dashboardFunctionOptions, statusFunctionOptions } from '../shared/functions/status.js';

const config = getConfig();
const { status, history } = statusFunctionOptions(config);
app.http('status', status);
app.http('history', history);
app.http('dashboard', dashboardFunctionOptions());
