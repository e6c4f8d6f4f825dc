/**
 * `npx tsx local-host/cli.ts`: runs a folder of function files (default `functions/`) with the app settings of a
 * local.settings.json (Functions format: `{ "IsEncrypted": false, "Values": { ... } }`), until Ctrl-C. Log lines are
 * JSON on stdout. `--set NAME=VALUE` overrides or adds settings, e.g. the local stack's connection strings.
 * `--instances N` runs N instances in processes of their own; `--autoscale MAX` scales between 1 and MAX instances by
 * the Service Bus target-based rule (docs/local-host.md, "Instances and scaling").
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { startLocalHost } from './index.js';
import { createHostLogger, errorFields, stdoutSink } from './log.js';
import { startScaledOut } from './scale-out.js';

export interface LocalSettingsFile {
  values: Record<string, string>;
  httpPort: number | undefined;
}

/** Reads local.settings.json the way Core Tools does: Values (strings), ConnectionStrings, Host.LocalHttpPort. */
export function readLocalSettings(path: string): LocalSettingsFile {
  const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
  if (typeof parsed !== 'object' || parsed === null) throw new Error(`${path}: expected a JSON object`);
  const file = parsed as {
    IsEncrypted?: unknown;
    Values?: unknown;
    ConnectionStrings?: unknown;
    Host?: { LocalHttpPort?: unknown };
  };
  if (file.IsEncrypted === true)
    throw new Error(`${path}: encrypted settings are not supported; set IsEncrypted to false`);
  const values: Record<string, string> = {};
  for (const [section, prefix] of [
    [file.Values, ''],
    [file.ConnectionStrings, 'ConnectionStrings:'],
  ] as const) {
    if (section === undefined) continue;
    if (typeof section !== 'object' || section === null)
      throw new Error(`${path}: ${prefix || 'Values'} must be an object`);
    for (const [name, value] of Object.entries(section)) {
      if (typeof value !== 'string')
        throw new Error(`${path}: setting "${name}" must be a string, got ${JSON.stringify(value)}`);
      values[`${prefix}${name}`] = value;
    }
  }
  const port = file.Host?.LocalHttpPort;
  return { values, httpPort: typeof port === 'number' ? port : undefined };
}

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new InvalidArgumentError(`expected a port from 0 to 65535, got "${value}"`);
  return port;
}

function parseCount(value: string): number {
  const count = Number(value);
  if (!Number.isInteger(count) || count < 1 || count > 64)
    throw new InvalidArgumentError(`expected a whole number from 1 to 64, got "${value}"`);
  return count;
}

function collectSetting(value: string, previous: Record<string, string>): Record<string, string> {
  const at = value.indexOf('=');
  if (at < 1) throw new InvalidArgumentError(`expected NAME=VALUE, got "${value}"`);
  return { ...previous, [value.slice(0, at)]: value.slice(at + 1) };
}

interface CliOptions {
  functions: string;
  file?: string[];
  settings: string;
  hostJson: string;
  port?: number;
  set: Record<string, string>;
  instances?: number;
  autoscale?: number;
}

export function buildCommand(): Command {
  return new Command('local-host')
    .description("Run the app's Azure Functions (Cosmos DB, Service Bus, timer, HTTP triggers) without Core Tools.")
    .option('--functions <dir>', 'folder of function files', 'functions')
    .option('--file <path...>', 'function files to load instead of a folder')
    .option('--settings <file>', 'local.settings.json with the app settings', 'local.settings.json')
    .option('--host-json <file>', 'host.json (read if it exists)', 'host.json')
    .option('--port <port>', 'HTTP port for HTTP functions (default: Host.LocalHttpPort or 7071)', parsePort)
    .option('--set <name=value>', 'add or override an app setting (repeatable)', collectSetting, {})
    .option('--instances <n>', 'run this many instances, each in a process of its own', parseCount)
    .option('--autoscale <max>', 'scale between 1 and max instances by the Service Bus target-based rule', parseCount);
}

export async function main(argv: string[]): Promise<{ close(): Promise<void> }> {
  const options = buildCommand().parse(argv).opts<CliOptions>();
  const log = createHostLogger(stdoutSink);
  const settingsPath = resolve(options.settings);
  const settings = existsSync(settingsPath) ? readLocalSettings(settingsPath) : { values: {}, httpPort: undefined };
  if (!existsSync(settingsPath)) log.warn('cli.no_settings_file', { path: settingsPath });
  const hostJsonPath = resolve(options.hostJson);
  const hostJson: unknown = existsSync(hostJsonPath) ? JSON.parse(readFileSync(hostJsonPath, 'utf8')) : undefined;
  const hostOptions = {
    ...(options.file ? { files: options.file } : { directory: options.functions }),
    settings: { ...settings.values, ...options.set },
    httpPort: options.port ?? settings.httpPort ?? 7071,
    hostJson,
  };
  const host =
    options.instances !== undefined || options.autoscale !== undefined
      ? await startScaledOut({
          ...hostOptions,
          ...(options.instances !== undefined ? { instances: options.instances } : {}),
          ...(options.autoscale !== undefined ? { autoscaleMax: options.autoscale } : {}),
          log: stdoutSink,
        })
      : await startLocalHost(hostOptions);
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) process.exit(130);
    stopping = true;
    log.info('cli.signal', { signal, message: 'stopping; press Ctrl-C again to exit at once' });
    host.close().then(
      () => process.exit(0),
      (error: unknown) => {
        log.error('cli.stop_failed', { error });
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return host;
}

// Run only as a program, so tests can import the helpers above.
if (
  process.argv[1] &&
  resolve(process.argv[1]).replace(/\.ts$/, '') === new URL(import.meta.url).pathname.replace(/\.ts$/, '')
) {
  main(process.argv).catch((error: unknown) => {
    createHostLogger(stdoutSink).error('cli.start_failed', { error: errorFields(error) });
    process.exit(1);
  });
}
