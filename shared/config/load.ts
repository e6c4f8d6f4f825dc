/**
 * Parses the configuration once. All problems are collected and reported together, each naming its setting (with the
 * JSON path inside JSON-valued settings) and the expected form, so one failed start shows everything to fix.
 */
import { adminEndpointProblem } from '../clients/servicebus-admin.js';
import { ConfigError } from '../errors.js';
import { telemetryConnectionStringProblem } from '../telemetry/provider.js';
import type { Env, ResolvedConnection } from './connections.js';
import { resolveSource } from './defaults.js';
import { resolveConnections, SERVICE_BUS_CONNECTION } from './resolve-connections.js';
import { descriptorOf, TARGET_TYPES } from '../targets/catalog.js';
import type { TargetDescriptor } from '../targets/descriptor.js';
import type { SourceConfig, TargetConfig } from './schema.js';
import { settingsSchema, settingsSchemaFor, type Settings } from './settings.js';
import type { ResolvedStorageConnection } from './storage.js';

export { SERVICE_BUS_CONNECTION, STORAGE_CONNECTION } from './resolve-connections.js';

export interface AppConfig {
  settings: Settings;
  /** The sources with every default resolved (`createLeaseContainer` from the lease connection's kind). */
  sources: SourceConfig[];
  /** The targets with every default resolved (a Cosmos target's `createIfNotExists` from its connection's kind). */
  targets: TargetConfig[];
  /** Every Cosmos DB, Service Bus, PostgreSQL and Redis connection the app uses, resolved, keyed by name. */
  connections: ReadonlyMap<string, ResolvedConnection>;
  /** Every storage connection (AzureWebJobsStorage, blob targets), resolved with one endpoint per service. */
  storageConnections: ReadonlyMap<string, ResolvedStorageConnection>;
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

/**
 * Service Bus hands each message of a subscription to one receiver, so two targets on one subscription would each get
 * only part of the events, without an error anywhere.
 */
function sharedSubscriptionProblems(targets: readonly { name: string; subscription: string }[]): string[] {
  const readers = new Map<string, string[]>();
  for (const { name, subscription } of targets) {
    const key = subscription.toLowerCase();
    readers.set(key, [...(readers.get(key) ?? []), name]);
  }
  return [...readers.entries()]
    .filter(([, names]) => names.length > 1)
    .map(
      ([subscription, names]) =>
        `COSMOS_SYNC_TARGETS: targets ${names.map((name) => `"${name}"`).join(', ')} all read subscription ` +
        `"${subscription}"; give each target its own subscription (Service Bus hands each message to one reader)`,
    );
}

/**
 * `targetTypes` is the catalog's list; tests pass it with a test-only type added, which the schema, the connection
 * lookup and the start-up checks then accept like any other.
 */
export function parseConfig(
  env: Env,
  targetTypes: readonly [TargetDescriptor, ...TargetDescriptor[]] = TARGET_TYPES,
): AppConfig {
  // Typed as the catalog's settings: a test's extra type is handled only through its own descriptor below.
  const parsed = (
    targetTypes === TARGET_TYPES ? settingsSchema.safeParse(env) : settingsSchemaFor(targetTypes).safeParse(env)
  ) as ReturnType<typeof settingsSchema.safeParse>;
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
  problems.push(...sharedSubscriptionProblems(targets));
  const sourceNames = new Set(sources.map((source) => source.name));
  targets.forEach((target, index) => {
    for (const name of target.sources ?? []) {
      if (!sourceNames.has(name)) problems.push(`COSMOS_SYNC_TARGETS[${index}].sources: unknown source "${name}"`);
    }
  });

  const resolved = resolveConnections(env, sources, targets, targetTypes);
  problems.push(...resolved.problems);
  const { connections, storageConnections } = resolved;

  const resolvedSources = sources.map((source, index) => resolveSource(source, index, connections));
  const resolvedTargets = targets.map((target, index): { value: TargetConfig; problems: string[] } => {
    const resolve = descriptorOf(targetTypes, target.type).resolve;
    if (!resolve) return { value: target, problems: [] };
    // The descriptor's own entry type: the schema parsed this entry with the same descriptor's schema.
    return resolve(target as never, { index, env, connections }) as { value: TargetConfig; problems: string[] };
  });
  for (const { problems: more } of [...resolvedSources, ...resolvedTargets]) problems.push(...more);

  const serviceBus = connections.get(SERVICE_BUS_CONNECTION);
  const adminProblem = serviceBus && adminEndpointProblem(serviceBus, settings.ServiceBus__adminEndpoint);
  if (adminProblem) problems.push(adminProblem);
  const telemetryProblem = telemetryConnectionStringProblem(settings.APPLICATIONINSIGHTS_CONNECTION_STRING);
  if (telemetryProblem) problems.push(telemetryProblem);

  if (problems.length > 0) throw new ConfigError(`invalid configuration:\n  ${problems.join('\n  ')}`, problems);
  return {
    settings,
    sources: resolvedSources.map(({ value }) => value),
    targets: resolvedTargets.map(({ value }) => value),
    connections,
    storageConnections,
  };
}

let cached: AppConfig | undefined;

/** The configuration of this process, parsed on first use from `process.env` and then reused. */
export function getConfig(): AppConfig {
  cached ??= parseConfig(process.env);
  return cached;
}
