/**
 * Parses the configuration once. All problems are collected and reported together, each naming its setting (with the
 * JSON path inside JSON-valued settings) and the expected form, so one failed start shows everything to fix.
 */
import { adminEndpointProblem } from '../clients/servicebus-admin.js';
import { ConfigError } from '../errors.js';
import { telemetryConnectionStringProblem } from '../telemetry/provider.js';
import { resolveConnection, type ConnectionService, type Env, type ResolvedConnection } from './connections.js';
import { webhookSecretProblem } from '../targets/webhook/config.js';
import type { SourceConfig, TargetConfig } from './schema.js';
import { settingsSchema, type Settings } from './settings.js';

/** Which kind of connection each target type's `connection` names. */
const TARGET_CONNECTION_SERVICE = {
  cosmos: 'cosmos',
  postgres: 'postgres',
  redis: 'redis',
  blob: 'storage',
} as const satisfies Record<Exclude<TargetConfig['type'], 'webhook'>, ConnectionService>;

/** The fixed connection names of the shared services, as the function registrations reference them. */
export const SERVICE_BUS_CONNECTION = 'ServiceBus';
export const STORAGE_CONNECTION = 'AzureWebJobsStorage';

export interface AppConfig {
  settings: Settings;
  sources: SourceConfig[];
  targets: TargetConfig[];
  /** Every connection the app uses, resolved, keyed by connection name. */
  connections: ReadonlyMap<string, ResolvedConnection>;
}

function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>(
    (text, part) => (typeof part === 'number' ? `${text}[${part}]` : `${text}${text ? '.' : ''}${String(part)}`),
    '',
  );
}

function uniqueNameProblems(kind: string, names: readonly string[]): string[] {
  const seen = new Set<string>();
  return names.flatMap((name) => {
    const key = name.toLowerCase();
    if (seen.has(key)) return [`${kind}: the name "${name}" is used twice (names must be unique, ignoring case)`];
    seen.add(key);
    return [];
  });
}

export function parseConfig(env: Env): AppConfig {
  const parsed = settingsSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => `${formatPath(issue.path) || '(settings)'}: ${issue.message}`);
    throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`, problems);
  }
  const settings = parsed.data;
  const sources = settings.COSMOS_SYNC_SOURCES;
  const targets = settings.COSMOS_SYNC_TARGETS;
  const problems = [
    ...uniqueNameProblems(
      'COSMOS_SYNC_SOURCES',
      sources.map((source) => source.name),
    ),
    ...uniqueNameProblems(
      'COSMOS_SYNC_TARGETS',
      targets.map((target) => target.name),
    ),
  ];
  const sourceNames = new Set(sources.map((source) => source.name));
  targets.forEach((target, index) => {
    for (const name of target.sources ?? []) {
      if (!sourceNames.has(name)) problems.push(`COSMOS_SYNC_TARGETS[${index}].sources: unknown source "${name}"`);
    }
  });

  const wanted = new Map<string, ConnectionService>([
    [SERVICE_BUS_CONNECTION, 'serviceBus'],
    [STORAGE_CONNECTION, 'storage'],
  ]);
  for (const source of sources) {
    wanted.set(source.connection, 'cosmos');
    wanted.set(source.leaseConnection ?? source.connection, 'cosmos');
  }
  targets.forEach((target) => {
    if (target.type === 'webhook') {
      const problem = webhookSecretProblem(target, env);
      if (problem) problems.push(problem);
    } else {
      wanted.set(target.connection, TARGET_CONNECTION_SERVICE[target.type]);
    }
  });
  const connections = new Map<string, ResolvedConnection>();
  for (const [name, service] of wanted) {
    const resolved = resolveConnection(env, name, service);
    if (typeof resolved === 'string') problems.push(resolved);
    else connections.set(name, resolved);
  }

  const serviceBus = connections.get(SERVICE_BUS_CONNECTION);
  const adminProblem = serviceBus && adminEndpointProblem(serviceBus, settings.ServiceBus__adminEndpoint);
  if (adminProblem) problems.push(adminProblem);
  const telemetryProblem = telemetryConnectionStringProblem(settings.APPLICATIONINSIGHTS_CONNECTION_STRING);
  if (telemetryProblem) problems.push(telemetryProblem);

  if (problems.length > 0) throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`, problems);
  return { settings, sources, targets, connections };
}

let cached: AppConfig | undefined;

/** The configuration of this process, parsed on first use from `process.env` and then reused. */
export function getConfig(): AppConfig {
  cached ??= parseConfig(process.env);
  return cached;
}
