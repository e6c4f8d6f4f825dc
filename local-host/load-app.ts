/**
 * Loads a function app the way the Node.js worker does: app settings into `process.env` first (as Core Tools does
 * with local.settings.json `Values`), then each function file is imported and its `app.*` calls are recorded by the
 * `@azure/functions-core` shim. A file's top-level code runs once per process (ES modules are cached), so loading
 * the same file again, e.g. for a second host instance in one test, reuses what it registered the first time.
 */
import { readdir } from 'node:fs/promises';
import { extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { app } from '@azure/functions';
import { installFunctionsCore, type FunctionsCoreRegistry, type Registration } from './functions-core.js';
import { messageOf } from '../shared/errors.js';

export interface LoadFunctionAppOptions {
  /** Function files to import, in order. */
  files?: string[];
  /** A folder whose .js/.mjs/.cjs/.ts files (not .d.ts, not tests) are imported in name order. */
  directory?: string;
  /** App settings, set into `process.env` before any function file is imported. */
  settings: Record<string, string>;
}

export interface LoadedFunctionApp {
  registrations: Registration[];
  files: string[];
  core: FunctionsCoreRegistry;
  /** Puts back the `process.env` values the settings replaced. */
  restoreSettings(): void;
}

/** The rule the Functions host applies to function names; names are compared without regard to case. */
const FUNCTION_NAME = /^[a-z][a-z0-9_-]{0,127}$/i;
const LOADABLE = new Set(['.js', '.mjs', '.cjs', '.ts', '.mts', '.cts']);

const registeredByFile = new Map<string, Registration[]>();

export async function loadFunctionApp(options: LoadFunctionAppOptions): Promise<LoadedFunctionApp> {
  const core = installFunctionsCore();
  assertShimInUse(core);
  const files = [...(options.files ?? []).map((file) => resolve(file))];
  if (options.directory !== undefined) files.push(...(await functionFiles(resolve(options.directory))));
  if (files.length === 0) throw new Error('local host: no function files given (pass files or a directory)');
  const restoreSettings = applySettings(options.settings);
  try {
    const registrations: Registration[] = [];
    for (const file of files) registrations.push(...(await importFunctionFile(core, file)));
    validateRegistrations(registrations);
    return { registrations, files, core, restoreSettings };
  } catch (error) {
    restoreSettings();
    throw error;
  }
}

async function functionFiles(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile() && LOADABLE.has(extname(entry.name)))
    .filter((entry) => !/\.d\.[cm]?ts$/.test(entry.name) && !/\.test\.[cm]?[jt]s$/.test(entry.name))
    .map((entry) => join(directory, entry.name))
    .sort();
}

async function importFunctionFile(core: FunctionsCoreRegistry, file: string): Promise<Registration[]> {
  const known = registeredByFile.get(file);
  if (known) return known;
  const before = core.registrations.length;
  core.setSource(file);
  try {
    await import(pathToFileURL(file).href);
  } catch (error) {
    throw new Error(`local host: importing ${file} failed: ${messageOf(error)}`, {
      cause: error,
    });
  } finally {
    core.setSource(undefined);
  }
  const registered = core.registrations.slice(before).filter((registration) => registration.source === file);
  registeredByFile.set(file, registered);
  return registered;
}

/**
 * `@azure/functions` looks for its core module once, at its first `app.*` call, and keeps the answer. If anything in
 * this process called `app.*` before the shim was installed, every registration would silently go nowhere ("test
 * mode"). A hook registration is a harmless way to find out which core module the library holds.
 */
function assertShimInUse(core: FunctionsCoreRegistry): void {
  const count = (): number => core.hooks.get('appTerminate')?.length ?? 0;
  const before = count();
  const probe = app.hook.appTerminate(() => undefined);
  const reached = count() > before;
  probe.dispose();
  if (!reached) {
    throw new Error(
      'local host: @azure/functions was used (app.* was called) before the local host installed @azure/functions-core, ' +
        'so it runs in test mode and registers nothing. Start the local host (or call installFunctionsCore()) before ' +
        'importing any function file.',
    );
  }
}

function applySettings(settings: Record<string, string>): () => void {
  const previous = new Map<string, string | undefined>();
  for (const [name, value] of Object.entries(settings)) {
    if (typeof value !== 'string') throw new Error(`local host: app setting ${name} must be a string`);
    previous.set(name, process.env[name]);
    process.env[name] = value;
  }
  let restored = false;
  return () => {
    if (restored) return;
    restored = true;
    for (const [name, value] of previous) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  };
}

function describe(registration: Registration): string {
  const trigger = Object.values(registration.metadata.bindings).find((binding) => /trigger$/i.test(binding.type));
  return `${registration.source ?? '(outside any function file)'} (${trigger?.type ?? 'no trigger'})`;
}

function validateRegistrations(registrations: Registration[]): void {
  const byName = new Map<string, Registration>();
  for (const registration of registrations) {
    if (!FUNCTION_NAME.test(registration.name)) {
      throw new Error(
        `local host: invalid function name "${registration.name}" in ${describe(registration)}: names start with a ` +
          'letter and contain only letters, digits, "_" and "-" (at most 128 characters)',
      );
    }
    const key = registration.name.toLowerCase();
    const first = byName.get(key);
    if (first) {
      throw new Error(
        `local host: function name "${registration.name}" is registered twice: by ${describe(first)} and by ` +
          `${describe(registration)}; function names must be unique (case-insensitive)`,
      );
    }
    byName.set(key, registration);
  }
}
