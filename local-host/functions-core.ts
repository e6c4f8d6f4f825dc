/**
 * A stand-in for `@azure/functions-core`, the module the Azure Functions Node.js worker provides to `@azure/functions`.
 *
 * `@azure/functions` (CommonJS) does `require('@azure/functions-core')` lazily, on the first `app.*` call, and keeps
 * the result. It then calls `setProgrammingModel(model)` once and `registerFunction(metadata, handler)` for every
 * `app.cosmosDB(...)`, `app.http(...)`, ...; `metadata` is `{ name, bindings, retryOptions }` and `handler` is the
 * user's own `(triggerInput, context) => ...`. `registerHook(name, callback)` backs `app.hook.*`, and `log(level,
 * category, message)` receives the library's own system log. Nothing else of the worker's API is used by
 * `@azure/functions` 4.16.5. Invocations go back through the programming model it set, as the worker does (see
 * worker/invoke.ts).
 *
 * `installFunctionsCore()` makes that module name resolve (a `Module._resolveFilename` hook plus a `require.cache`
 * entry, so no file is needed) to an object that only records what it is given. It must run before the first
 * `app.*` call in the process: `@azure/functions` remembers a failed lookup and then silently runs in "test mode".
 */
import Module, { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

export type FunctionHandler = (...args: unknown[]) => unknown;

/** One binding of a function's metadata, as `@azure/functions` builds it (trigger options are spread in). */
export interface CoreBinding {
  type: string;
  direction: 'in' | 'out' | 'inout';
  [option: string]: unknown;
}

export interface CoreFunctionMetadata {
  name: string;
  bindings: Record<string, CoreBinding>;
  retryOptions?: unknown;
}

export interface Registration {
  name: string;
  metadata: CoreFunctionMetadata;
  handler: FunctionHandler;
  /** The function file whose import registered it; undefined when it was registered outside a load. */
  source: string | undefined;
}

export type HookCallback = (context: unknown) => unknown;

export interface FunctionsCoreRegistry {
  /** What `@azure/functions` passed to `setProgrammingModel` (it does so on its first `app.*` call). */
  readonly programmingModel: unknown;
  /** Every function registered in this process, in registration order. */
  readonly registrations: readonly Registration[];
  readonly hooks: ReadonlyMap<string, readonly HookCallback[]>;
  /** System log lines `@azure/functions` wrote through the core API. */
  onSystemLog: ((level: string, message: string) => void) | undefined;
  /** Attributes registrations made from now on to `source` (the file being imported). */
  setSource(source: string | undefined): void;
}

export const FUNCTIONS_CORE_MODULE = '@azure/functions-core';

interface Disposable {
  dispose(): void;
}

interface ModuleInternals {
  _resolveFilename(request: string, parent: unknown, isMain: boolean, options?: unknown): string;
  _cache: Record<string, unknown>;
}

let installed: FunctionsCoreRegistry | undefined;

export function installFunctionsCore(): FunctionsCoreRegistry {
  if (installed) return installed;
  const registrations: Registration[] = [];
  const hooks = new Map<string, HookCallback[]>();
  let source: string | undefined;
  let programmingModel: unknown;
  const registry: FunctionsCoreRegistry = {
    get programmingModel(): unknown {
      return programmingModel;
    },
    registrations,
    hooks,
    onSystemLog: undefined,
    setSource: (next) => {
      source = next;
    },
  };
  const disposable = (dispose: () => void): Disposable => ({ dispose });
  const coreApi = {
    setProgrammingModel: (model: unknown): void => {
      programmingModel = model;
    },
    getProgrammingModel: (): unknown => programmingModel,
    registerFunction: (metadata: CoreFunctionMetadata, handler: FunctionHandler): Disposable => {
      const registration: Registration = { name: metadata.name, metadata, handler, source };
      registrations.push(registration);
      return disposable(() => registrations.splice(registrations.indexOf(registration), 1));
    },
    registerHook: (hookName: string, callback: HookCallback): Disposable => {
      const list = hooks.get(hookName) ?? [];
      list.push(callback);
      hooks.set(hookName, list);
      return disposable(() => list.splice(list.indexOf(callback), 1));
    },
    log: (level: string, _category: string, message: string): void => registry.onSystemLog?.(level, message),
  };

  // A file that does not exist beside this one, so the cache entry below is the only way to load it.
  const virtualPath = fileURLToPath(new URL('./functions-core.virtual.cjs', import.meta.url));
  const moduleInternals = Module as unknown as ModuleInternals;
  const entry = new Module(virtualPath);
  entry.filename = virtualPath;
  entry.loaded = true;
  entry.exports = coreApi;
  moduleInternals._cache[virtualPath] = entry;
  const resolve = moduleInternals._resolveFilename.bind(Module);
  moduleInternals._resolveFilename = (request, parent, isMain, options) =>
    request === FUNCTIONS_CORE_MODULE ? virtualPath : resolve(request, parent, isMain, options);

  // Prove the hook works the way @azure/functions will use it, rather than finding out at the first app.* call.
  if (createRequire(import.meta.url)(FUNCTIONS_CORE_MODULE) !== coreApi) {
    throw new Error(`local host: could not install the ${FUNCTIONS_CORE_MODULE} shim`);
  }
  installed = registry;
  return registry;
}
