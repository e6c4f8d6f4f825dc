/**
 * The operator's HTTP functions: `GET /api/status` (JSON, the documented StatusReport), `GET /api/history?hours=N`
 * (series for charts) and `GET /api/dashboard` (the page that draws both). `functions/status-api.ts` only registers
 * them. Function-key auth in Azure; the local host, like Core Tools, does not check keys.
 */
import type { HttpFunctionOptions, HttpRequest, HttpResponseInit, InvocationContext } from '@azure/functions';
import type { AppConfig } from '../config/load.js';
import { dashboardResponse } from '../dashboard/index.js';
import { createLogger } from '../logging.js';
import { MAX_HISTORY_HOURS, readHistory } from '../status/history.js';
import { measure, type MeasureDeps } from '../status/measure.js';
import { measureDepsFor } from './measure-deps.js';
import { messageOf } from '../errors.js';
import { redactSecrets } from '../redact.js';

const NO_STORE = { 'cache-control': 'no-store' };

function json(status: number, body: unknown): HttpResponseInit {
  return { status, jsonBody: body, headers: NO_STORE };
}

/** `hours` from the query: default 6, whole or fractional hours up to a week; anything else is a 400 naming it. */
export function parseHours(raw: string | null): number | string {
  if (raw === null || raw === '') return 6;
  const hours = Number(raw);
  if (!/^\d+(\.\d+)?$/.test(raw) || !(hours > 0 && hours <= MAX_HISTORY_HOURS)) {
    return `query parameter "hours" must be a number of hours above 0 and at most ${MAX_HISTORY_HOURS}, got "${raw}"`;
  }
  return hours;
}

/**
 * Query parameters `history` reads; `code` is the function key, which Azure leaves in the query. Any other name (a typo
 * such as `hour=3`) or a repeated `hours` is a 400 rather than a silent default of 6 hours.
 */
const HISTORY_PARAMETERS = ['hours', 'code'];

export function historyQueryProblem(query: URLSearchParams): string | undefined {
  const unknown = [...new Set(query.keys())].filter((name) => !HISTORY_PARAMETERS.includes(name));
  if (unknown.length > 0) {
    const names = unknown.map((name) => JSON.stringify(name)).join(', ');
    return `unknown query parameter${unknown.length === 1 ? '' : 's'} ${names}; known: ${HISTORY_PARAMETERS.join(', ')}`;
  }
  if (query.getAll('hours').length > 1) return 'query parameter "hours" is given more than once';
  return undefined;
}

export type StatusDepsFactory = (logger: MeasureDeps['logger']) => MeasureDeps;

export function statusHandler(config: AppConfig, deps: StatusDepsFactory, now: () => Date = () => new Date()) {
  return async (_request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const logger = createLogger(context, config.settings.COSMOS_SYNC_LOG_LEVEL, { function: context.functionName });
    const { report } = await measure(deps(logger), now());
    return json(200, report);
  };
}

export function historyHandler(config: AppConfig, deps: StatusDepsFactory, now: () => Date = () => new Date()) {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const problem = historyQueryProblem(request.query);
    if (problem) return json(400, { error: { code: 'BAD_QUERY', message: problem } });
    const hours = parseHours(request.query.get('hours'));
    if (typeof hours === 'string') return json(400, { error: { code: 'BAD_QUERY', message: hours } });
    const logger = createLogger(context, config.settings.COSMOS_SYNC_LOG_LEVEL, { function: context.functionName });
    const names = {
      sources: config.sources.map((source) => source.name),
      targets: config.targets.map((target) => target.name),
    };
    try {
      return json(200, await readHistory(deps(logger).metricsTable, names, hours, now()));
    } catch (error) {
      logger.error('history.failed', { error });
      return json(503, {
        error: { code: 'HISTORY_UNAVAILABLE', message: redactSecrets(messageOf(error)) },
      });
    }
  };
}

export function statusFunctionOptions(
  config: AppConfig,
  deps: StatusDepsFactory = (logger) => measureDepsFor(config, logger),
): Record<'status' | 'history', HttpFunctionOptions> {
  return {
    status: { methods: ['GET'], authLevel: 'function', route: 'status', handler: statusHandler(config, deps) },
    history: { methods: ['GET'], authLevel: 'function', route: 'history', handler: historyHandler(config, deps) },
  };
}

/** The dashboard page; it calls `status` and `history` relative to its own URL, passing on `?code=`. */
export function dashboardFunctionOptions(): HttpFunctionOptions {
  return {
    methods: ['GET'],
    authLevel: 'function',
    route: 'dashboard',
    handler: () => Promise.resolve(dashboardResponse()),
  };
}
