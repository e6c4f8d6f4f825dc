/**
 * Checks of the function app's settings in an evaluated deployment against the app's configuration schema. Each
 * returns the problems it finds, worded for the person who edits the template; an empty list means the check passed.
 */
import { parseConfig } from '../../shared/config/load.js';
import { SETTING_NAMES } from '../../shared/config/settings.js';
import type { Deployment } from './bicep/index.js';
import { appSettings, fillRuntimeValues, ofType, type PipelineList } from './deployment.js';

/** Settings the Flex Consumption plan rejects or ignores: the runtime and package live in functionAppConfig. */
export const FLEX_REJECTED_SETTINGS = [
  'FUNCTIONS_WORKER_RUNTIME',
  'FUNCTIONS_EXTENSION_VERSION',
  'FUNCTIONS_WORKER_RUNTIME_VERSION',
  'WEBSITE_RUN_FROM_PACKAGE',
  'WEBSITE_NODE_DEFAULT_VERSION',
  'WEBSITE_CONTENTAZUREFILECONNECTIONSTRING',
  'WEBSITE_CONTENTSHARE',
  'SCM_DO_BUILD_DURING_DEPLOYMENT',
  'ENABLE_ORYX_BUILD',
];

/** Settings that exist only for the local stack. */
export const LOCAL_ONLY_SETTINGS = ['ServiceBus__adminEndpoint'];

/** Values that would put a secret into a setting. */
const SECRET_VALUE = /AccountKey=|SharedAccessKey=|UseDevelopmentStorage|:\/\/[^/@\s]*:[^/@\s]*@/i;
const KEY_VAULT_REFERENCE = /^@Microsoft\.KeyVault\(VaultName=[^;()]+;SecretName=[A-Za-z0-9-]+\)$/;

/** The settings the template writes, with runtime values filled in; parseConfig's view of them. */
export function deployedSettings(deployment: Deployment): Record<string, string> {
  return fillRuntimeValues(appSettings(deployment));
}

export function settingsProblems(deployment: Deployment, pipeline: PipelineList): string[] {
  const raw = appSettings(deployment);
  const settings = deployedSettings(deployment);
  const names = Object.keys(settings);
  const problems: string[] = [];

  for (const name of SETTING_NAMES) {
    if (!LOCAL_ONLY_SETTINGS.includes(name) && !(name in settings)) {
      problems.push(`setting ${name}: read by the app's configuration schema, not set by the template`);
    }
  }
  for (const name of [...FLEX_REJECTED_SETTINGS, ...LOCAL_ONLY_SETTINGS]) {
    if (name in settings) problems.push(`setting ${name}: must not be set in Azure (Flex Consumption or local only)`);
  }

  const secretSettings = secretSettingNames(pipeline);
  for (const [name, value] of Object.entries(settings)) {
    if (secretSettings.includes(name)) {
      if (!KEY_VAULT_REFERENCE.test(value))
        problems.push(`setting ${name}: holds a secret; expected a Key Vault reference`);
    } else if (SECRET_VALUE.test(value)) {
      problems.push(`setting ${name}: holds a key or password`);
    }
  }

  // A user-assigned identity is found only by its client id: every identity-based connection must name it.
  const clientId = identityReference(deployment, 'clientId');
  for (const name of names.filter((setting) => setting.endsWith('__credential'))) {
    const prefix = name.slice(0, -'__credential'.length);
    if (settings[name] !== 'managedidentity') problems.push(`setting ${name}: expected "managedidentity"`);
    if (raw[`${prefix}__clientId`] !== clientId) {
      problems.push(`setting ${prefix}__clientId: expected the app identity's client id beside ${name}`);
    }
  }
  if (raw['APPLICATIONINSIGHTS_AUTHENTICATION_STRING'] !== `Authorization=AAD;ClientId=${clientId}`) {
    problems.push('setting APPLICATIONINSIGHTS_AUTHENTICATION_STRING: expected Authorization=AAD with the client id');
  }

  for (const [setting, listed] of [
    ['COSMOS_SYNC_SOURCES', pipeline.sources],
    ['COSMOS_SYNC_TARGETS', pipeline.targets ?? []],
  ] as const) {
    if (JSON.stringify(JSON.parse(settings[setting] ?? 'null')) !== JSON.stringify(listed)) {
      problems.push(`setting ${setting}: differs from the list in the pipeline parameter`);
    }
  }

  problems.push(...configProblems(settings));
  return problems;
}

/** parseConfig's verdict on the deployed settings, and every connection identity-based with the client id. */
function configProblems(settings: Record<string, string>): string[] {
  let config: ReturnType<typeof parseConfig>;
  try {
    config = parseConfig(settings);
  } catch (error) {
    const problems = (error as { problems?: string[] }).problems ?? [(error as Error).message];
    return problems.map((problem) => `parseConfig rejects the deployed settings: ${problem}`);
  }
  const problems: string[] = [];
  for (const [name, connection] of [...config.connections, ...config.storageConnections]) {
    const secretKind = connection.kind === 'connectionString' && KEY_VAULT_REFERENCE.test(settings[name] ?? '');
    if (connection.kind !== 'identity' && !secretKind) {
      problems.push(`connection ${name}: not identity-based (and not a Key Vault reference)`);
    } else if (connection.kind === 'identity' && connection.clientId === undefined) {
      problems.push(`connection ${name}: identity-based without __clientId`);
    }
  }
  return problems;
}

/** The settings of the list that hold secrets: PostgreSQL and Redis connection strings, webhook secrets. */
export function secretSettingNames(pipeline: PipelineList): string[] {
  return (pipeline.targets ?? []).flatMap((target) => {
    if (target['type'] === 'postgres') return [String(target['connection'] ?? 'PostgresTarget')];
    if (target['type'] === 'redis') return [String(target['connection'] ?? 'RedisTarget')];
    if (target['type'] === 'webhook') return [String(target['secretSetting'])];
    return [];
  });
}

/**
 * The placeholder that stands for a property of the app's user-assigned identity (`<module:symbol.properties.x>`):
 * a setting or a role assignment that holds it refers to that identity and no other.
 */
export function identityReference(deployment: Deployment, property: 'clientId' | 'principalId'): string {
  const identities = ofType(deployment, 'Microsoft.ManagedIdentity/userAssignedIdentities');
  const identity = identities[0];
  if (identities.length !== 1 || !identity) return `(expected one user-assigned identity, found ${identities.length})`;
  const scope = identity.modulePath.length > 0 ? `${identity.modulePath.join('/')}:` : '';
  return `<${scope}${identity.symbol}.properties.${property}>`;
}
