/**
 * The local host: runs the functions that `functions/*.ts` register with `app.cosmosDB`, `app.serviceBusTopic` /
 * `app.serviceBusQueue`, `app.timer` and `app.http` from `@azure/functions`, without Azure Functions Core Tools,
 * against the local stack (or any endpoints the settings name). The function files do not know who runs them.
 *
 * ```ts
 * const host = await startLocalHost({ directory: 'dist/functions', settings: { ...stack.settings, CosmosSource: ... } });
 * // ... host.functions, host.httpBaseUrl
 * await host.close();
 * ```
 */
import { startCosmosTrigger } from './cosmos/trigger.js';
import type { Registration } from './functions-core.js';
import { readHostSettings, type HostSettings } from './host-json.js';
import { compileRoute, sortRoutes, type HttpRoute } from './http/routes.js';
import { startHttpServer, type LocalHttpServer } from './http/server.js';
import { triggerOf } from './trigger-binding.js';
import { loadFunctionApp, type LoadedFunctionApp } from './load-app.js';
import { createHostLogger, hostLevel, stdoutSink, type HostLogger, type HostLogLine } from './log.js';
import { startServiceBusTrigger } from './servicebus/trigger.js';
import { isFunctionDisabled } from './settings.js';
import { startTimerTrigger } from './timer/trigger.js';
import type { RunningTrigger, TriggerContext } from './trigger-context.js';

export { installFunctionsCore, type Registration, type FunctionsCoreRegistry } from './functions-core.js';
export { loadFunctionApp, type LoadFunctionAppOptions, type LoadedFunctionApp } from './load-app.js';
export type { HostLogLine } from './log.js';

export interface LocalHostOptions {
  /** Function files to load (imported in order). */
  files?: string[];
  /** A folder of function files (.js/.mjs/.cjs/.ts), loaded in name order. */
  directory?: string;
  /** App settings, set into process.env before the function files load (local.settings.json `Values`). */
  settings: Record<string, string>;
  /** Port for HTTP functions; default 7071, 0 picks a free port. */
  httpPort?: number;
  /** The parsed host.json, for the settings the local host honours (see docs/local-host.md). */
  hostJson?: unknown;
  /** Receives every structured log line; default: JSON lines on stdout. */
  log?: (line: HostLogLine) => void;
}

export interface LocalHost {
  /** Every registered function; disabled ones (`AzureWebJobs.<name>.Disabled`) are listed but not run. */
  functions: { name: string; trigger: string; disabled: boolean }[];
  /** Origin plus route prefix of the HTTP functions (e.g. http://127.0.0.1:7071/api); undefined without any. */
  httpBaseUrl: string | undefined;
  /** Stops pollers, receivers, timers and the HTTP server, waiting for in-flight invocations; safe to call twice. */
  close(): Promise<void>;
}

type TriggerStarter = (context: TriggerContext) => Promise<RunningTrigger>;

const STARTERS: Record<string, TriggerStarter> = {
  cosmosdbtrigger: startCosmosTrigger,
  servicebustrigger: startServiceBusTrigger,
  timertrigger: startTimerTrigger,
};

export async function startLocalHost(options: LocalHostOptions): Promise<LocalHost> {
  const log = createHostLogger(options.log ?? stdoutSink);
  const host = readHostSettings(options.hostJson);
  const app = await loadFunctionApp({
    ...(options.files ? { files: options.files } : {}),
    ...(options.directory !== undefined ? { directory: options.directory } : {}),
    settings: options.settings,
  });
  app.core.onSystemLog = (level, message) => log[hostLevel(level)]('functions.system_log', { message });
  const running: RunningTrigger[] = [];
  let server: LocalHttpServer | undefined;
  const stopAll = async (): Promise<void> => {
    const results = await Promise.allSettled([
      ...running.map((trigger) => trigger.stop()),
      ...(server ? [server.close()] : []),
    ]);
    await runHooks(app, 'appTerminate', log);
    app.core.onSystemLog = undefined;
    app.restoreSettings();
    const failures = results.flatMap((result) => (result.status === 'rejected' ? [result.reason as unknown] : []));
    if (failures.length > 0)
      throw new AggregateError(failures, `local host: ${failures.length} part(s) failed to stop`);
  };
  try {
    await runHooks(app, 'appStart', log);
    const routes: HttpRoute[] = [];
    for (const registration of app.registrations) {
      const trigger = triggerOf(registration.metadata);
      const type = trigger.binding.type.toLowerCase();
      if (isFunctionDisabled(registration.name, process.env)) {
        log.info('function.disabled', { functionName: registration.name });
        continue;
      }
      if (type === 'httptrigger') {
        routes.push(compileRoute(registration, trigger.binding, host.http.routePrefix));
        continue;
      }
      const start = STARTERS[type];
      if (!start) {
        throw new Error(
          `function "${registration.name}": the local host does not run ${trigger.binding.type} functions ` +
            '(it runs cosmosDBTrigger, serviceBusTrigger, timerTrigger and httpTrigger)',
        );
      }
      running.push(await start(contextFor(registration, trigger.binding, host, log)));
    }
    if (routes.length > 0) {
      server = await startHttpServer(sortRoutes(routes), options.httpPort ?? 7071, log);
      for (const route of routes)
        log.info('http.route', {
          functionName: route.registration.name,
          url: `${server.origin}/${route.template}`,
          methods: route.methods ? [...route.methods] : 'any',
        });
    }
  } catch (error) {
    await stopAll().catch((stopError: unknown) => log.error('host.stop_failed', { error: stopError }));
    throw error;
  }
  const functions = app.registrations.map((registration) => ({
    name: registration.name,
    trigger: triggerOf(registration.metadata).binding.type,
    disabled: isFunctionDisabled(registration.name, process.env),
  }));
  log.info('host.started', { functions });
  let closing: Promise<void> | undefined;
  return {
    functions,
    httpBaseUrl: server ? [server.origin, host.http.routePrefix].filter(Boolean).join('/') : undefined,
    close: () =>
      (closing ??= (async () => {
        log.info('host.stopping');
        await stopAll();
        log.info('host.stopped');
      })()),
  };
}

function contextFor(
  registration: Registration,
  binding: Record<string, unknown>,
  host: HostSettings,
  log: HostLogger,
): TriggerContext {
  return { registration, binding, env: process.env, host, log: log.child({ functionName: registration.name }) };
}

/**
 * `app.hook.appStart` / `appTerminate` callbacks. Invocation hooks run around each invocation (worker/invoke.ts);
 * `log` hooks are recorded but not run locally (logged once).
 */
async function runHooks(app: LoadedFunctionApp, name: 'appStart' | 'appTerminate', log: HostLogger): Promise<void> {
  const callbacks = app.core.hooks.get('log') ?? [];
  if (name === 'appStart' && callbacks.length > 0) {
    log.warn('host.hook_not_run', { hook: 'log', message: 'the local host does not run log hooks' });
  }
  for (const callback of app.core.hooks.get(name) ?? []) await callback({ hookData: {} });
}
