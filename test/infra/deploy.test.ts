/**
 * The azd template checked offline (no Bicep compiler or Azure here): infra/main.bicep is evaluated for the list in
 * infra/pipeline.json and for an example with every target type, and what it would deploy is compared with the app's
 * configuration schema, the local stack's Service Bus configuration and the packaging files. The last block removes
 * one setting, subscription, container or role from an evaluated deployment and shows each check failing.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../shared/config/load.js';
import type { Deployment } from './bicep/index.js';
import { appSettings, deploy, INFRA, ofType, readJson, ROOT, type PipelineList } from './deployment.js';
import { packagingProblems, readPackagingFiles } from './packaging-checks.js';
import {
  containerProblems,
  roleProblems,
  subscriptionProblems,
  type LocalServiceBusConfig,
} from './resource-checks.js';
import { deployedSettings, settingsProblems } from './settings-checks.js';

const defaultList = readJson<PipelineList>(INFRA('pipeline.json'));
const allTargets = readJson<PipelineList>(INFRA('examples/pipeline.all-targets.json'));
const localServiceBus = readJson<LocalServiceBusConfig>(ROOT('local-stack/servicebus/servicebus.config.json'));

function allProblems(deployment: Deployment, list: PipelineList, local: LocalServiceBusConfig | undefined): string[] {
  return [
    ...settingsProblems(deployment, list),
    ...subscriptionProblems(deployment, list, local),
    ...containerProblems(deployment, list),
    ...roleProblems(deployment, list, { readBacklogCounts: true }),
  ];
}

describe('infra/main.bicep with infra/pipeline.json (what `azd up` deploys)', () => {
  let deployment: Deployment;
  beforeAll(async () => {
    deployment = await deploy();
  });

  it('sets every setting the app reads, identity-based, and parseConfig accepts them', () => {
    expect(settingsProblems(deployment, defaultList)).toEqual([]);
    const config = parseConfig(deployedSettings(deployment));
    expect([...config.connections.keys()].sort()).toEqual(['CosmosSource', 'CosmosTarget', 'ServiceBus']);
    expect([...config.connections.values()].every((c) => c.kind === 'identity' && c.clientId !== undefined)).toBe(true);
    expect(config.storageConnections.get('AzureWebJobsStorage')).toMatchObject({ kind: 'identity' });
    // Identity-based connections cannot create Cosmos DB containers: the template does, and the app is told so.
    expect(config.sources[0]?.createLeaseContainer).toBe(false);
    expect(config.targets[0]).toMatchObject({ type: 'cosmos', createIfNotExists: false });
  });

  it('creates each target its subscription, configured as in the local stack', () => {
    expect(subscriptionProblems(deployment, defaultList, localServiceBus)).toEqual([]);
  });

  it('creates every container and table the app uses', () => {
    expect(containerProblems(deployment, defaultList)).toEqual([]);
  });

  it('grants each role the app needs at the narrowest scope, and no other', () => {
    expect(roleProblems(deployment, defaultList, { readBacklogCounts: true })).toEqual([]);
  });

  it('agrees with azure.yaml, .funcignore and package.json on what is built and uploaded', () => {
    expect(packagingProblems(deployment, readPackagingFiles())).toEqual([]);
  });

  it('turns local authentication off everywhere and creates no Key Vault without secrets', () => {
    const [storage] = ofType(deployment, 'Microsoft.Storage/storageAccounts');
    const [namespace] = ofType(deployment, 'Microsoft.ServiceBus/namespaces');
    const [account] = ofType(deployment, 'Microsoft.DocumentDB/databaseAccounts');
    const [insights] = ofType(deployment, 'Microsoft.Insights/components');
    expect(storage?.body['properties']).toMatchObject({ allowSharedKeyAccess: false });
    expect(namespace?.body['properties']).toMatchObject({ disableLocalAuth: true });
    expect(account?.body['properties']).toMatchObject({
      disableLocalAuth: true,
      capabilities: [{ name: 'EnableServerless' }],
    });
    expect(insights?.body['properties']).toMatchObject({ DisableLocalAuth: true });
    expect(ofType(deployment, 'Microsoft.KeyVault/vaults')).toEqual([]);
  });

  it('outputs the settings under their own names, with the values the app gets', () => {
    const settings = appSettings(deployment);
    const shared = Object.keys(deployment.outputs).filter((name) => name in settings);
    expect(shared.length).toBeGreaterThanOrEqual(10);
    for (const name of shared) expect([name, deployment.outputs[name]]).toEqual([name, settings[name]]);
  });
});

describe('infra/main.bicep with every target type (infra/examples/pipeline.all-targets.json)', () => {
  let deployment: Deployment;
  beforeAll(async () => {
    deployment = await deploy({ pipeline: allTargets, serviceBusSku: 'Premium' });
  });

  it('passes every check', () => {
    expect(allProblems(deployment, allTargets, undefined)).toEqual([]);
  });

  it('keeps secrets in Key Vault and reads them with the app identity', () => {
    const settings = appSettings(deployment);
    const [vault] = ofType(deployment, 'Microsoft.KeyVault/vaults');
    expect(vault?.body['properties']).toMatchObject({ enableRbacAuthorization: true });
    for (const [setting, secret] of [
      ['ReportingPostgres', 'ReportingPostgres'],
      ['CacheRedis', 'CacheRedis'],
      ['PARTNER_HOOK_SECRET', 'PARTNER-HOOK-SECRET'],
    ] as const) {
      expect(settings[setting]).toBe(`@Microsoft.KeyVault(VaultName=${vault?.name};SecretName=${secret})`);
    }
    expect(deployment.outputs['COSMOS_SYNC_SECRET_NAMES']).toEqual([
      'ReportingPostgres',
      'CacheRedis',
      'PARTNER-HOOK-SECRET',
    ]);
    const [site] = ofType(deployment, 'Microsoft.Web/sites');
    expect(String((site?.body['properties'] as Record<string, unknown>)['keyVaultReferenceIdentity'])).toMatch(
      /identity/,
    );
  });

  it('gives the ordered webhook a session subscription and the others none; every rule takes live events and own replays', () => {
    const subscriptions = ofType(deployment, 'Microsoft.ServiceBus/namespaces/topics/subscriptions');
    const byName = (name: string) => subscriptions.find((s) => s.name.endsWith(`/${name}`))?.body['properties'];
    expect(byName('webhook-ordered')).toMatchObject({ requiresSession: true, lockDuration: 'PT1M' });
    expect(byName('postgres-target')).toMatchObject({ requiresSession: false, lockDuration: 'PT5M' });
    const rules = ofType(deployment, 'Microsoft.ServiceBus/namespaces/topics/subscriptions/rules');
    const sql = (text: string) => ({ filterType: 'SqlFilter', sqlFilter: { sqlExpression: text } });
    expect(rules.map((rule) => [rule.name.split('/').at(-2), rule.body['properties']])).toEqual([
      ['cosmos-target', sql("(replayTo IS NULL OR replayTo = 'cosmos-target') AND source IN ('orders')")],
      ['postgres-target', sql("replayTo IS NULL OR replayTo = 'postgres-target'")],
      ['redis-target', sql("replayTo IS NULL OR replayTo = 'redis-target'")],
      ['blob-target', sql("replayTo IS NULL OR replayTo = 'blob-target'")],
      ['webhook-ordered', sql("replayTo IS NULL OR replayTo = 'webhook-ordered'")],
    ]);
    const [topic] = ofType(deployment, 'Microsoft.ServiceBus/namespaces/topics');
    expect(topic?.body['properties']).toMatchObject({ maxMessageSizeInKilobytes: 102400 });
  });

  it('creates hierarchical keys as MultiHash and turns continuous backup on for AllVersionsAndDeletes', () => {
    const [account] = ofType(deployment, 'Microsoft.DocumentDB/databaseAccounts');
    expect(account?.body['properties']).toMatchObject({ backupPolicy: { type: 'Continuous' } });
    const customers = ofType(deployment, 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers').find((c) =>
      c.name.endsWith('/crm/customers'),
    );
    expect(customers?.body['properties']).toMatchObject({
      resource: { partitionKey: { paths: ['/tenantId', '/customerId'], kind: 'MultiHash', version: 2 } },
    });
  });

  it('points the blob target connection at the storage account with the app identity', () => {
    const settings = deployedSettings(deployment);
    expect(settings).toMatchObject({
      ArchiveStorage__blobServiceUri: 'https://stci.blob.core.windows.net/',
      ArchiveStorage__credential: 'managedidentity',
    });
  });
});

describe('an existing Cosmos DB account', () => {
  it('creates no account, and the containers and roles on the one given, in its resource group', async () => {
    const deployment = await deploy({
      existingCosmosAccountName: 'shared-cosmos',
      existingCosmosResourceGroup: 'data-rg',
    });
    expect(ofType(deployment, 'Microsoft.DocumentDB/databaseAccounts')).toEqual([]);
    expect(containerProblems(deployment, defaultList)).toEqual([]);
    expect(roleProblems(deployment, defaultList, { readBacklogCounts: true })).toEqual([]);
    const data = deployment.modules.find((m) => m.symbol === 'cosmosData');
    expect(JSON.stringify(data?.scope)).toContain('data-rg');
    expect(ofType(deployment, 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers')[0]?.name).toMatch(
      /^shared-cosmos\//,
    );
  });
});

describe('the checks fail when the template drifts', () => {
  let deployment: Deployment;
  beforeAll(async () => {
    deployment = await deploy();
  });
  const without = (drop: (resource: Deployment['resources'][number]) => boolean): Deployment => ({
    ...deployment,
    resources: deployment.resources.filter((resource) => !drop(resource)),
  });

  it('a setting removed', () => {
    const settings = appSettings(deployment);
    const saved = settings['COSMOS_SYNC_TOPIC'];
    delete settings['COSMOS_SYNC_TOPIC'];
    try {
      expect(settingsProblems(deployment, defaultList)).toContain(
        "setting COSMOS_SYNC_TOPIC: read by the app's configuration schema, not set by the template",
      );
    } finally {
      settings['COSMOS_SYNC_TOPIC'] = saved;
    }
  });

  it('a setting Flex rejects, a local-only one, a key, a client id left out', () => {
    const settings = appSettings(deployment);
    const saved = { ...settings };
    Object.assign(settings, {
      FUNCTIONS_WORKER_RUNTIME: 'node',
      ServiceBus__adminEndpoint: 'http://127.0.0.1:5300',
      Extra: 'AccountEndpoint=https://x/;AccountKey=abc==;',
    });
    delete settings['CosmosSource__clientId'];
    try {
      expect(settingsProblems(deployment, defaultList)).toEqual(
        expect.arrayContaining([
          'setting FUNCTIONS_WORKER_RUNTIME: must not be set in Azure (Flex Consumption or local only)',
          'setting ServiceBus__adminEndpoint: must not be set in Azure (Flex Consumption or local only)',
          'setting Extra: holds a key or password',
          "setting CosmosSource__clientId: expected the app identity's client id beside CosmosSource__credential",
        ]),
      );
    } finally {
      for (const key of Object.keys(settings)) delete settings[key];
      Object.assign(settings, saved);
    }
  });

  it('a subscription removed, or configured unlike the local stack', () => {
    const dropped = without((r) => r.type.endsWith('/subscriptions') && r.name.endsWith('/cosmos-target'));
    expect(subscriptionProblems(dropped, defaultList, localServiceBus)).toEqual([
      'target orders-copy, subscription cosmos-target: not created on topic cosmos-sync-events',
    ]);
    const ordered = { ...defaultList, targets: [{ ...defaultList.targets?.[0], ordered: true }] };
    expect(subscriptionProblems(deployment, ordered, localServiceBus)).toContain(
      'target orders-copy, subscription cosmos-target: requiresSession must be true (ordered: true)',
    );
    const renamed = { ...defaultList, targets: [{ ...defaultList.targets?.[0], subscription: 'elsewhere' }] };
    expect(subscriptionProblems(deployment, renamed, localServiceBus)).toContain(
      'target orders-copy, subscription elsewhere: not created on topic cosmos-sync-events',
    );
  });

  it('a subscription rule removed, or accepting every message', () => {
    const dropped = without((r) => r.type.endsWith('/rules') && r.name.endsWith('/cosmos-target/$Default'));
    expect(subscriptionProblems(dropped, defaultList, localServiceBus)).toEqual([
      'target orders-copy, subscription cosmos-target: rule "none", expected "replayTo IS NULL OR replayTo = \'cosmos-target\'"',
    ]);
    const local = structuredClone(localServiceBus);
    const cosmos = local.UserConfig.Namespaces[0]?.Topics[0]?.Subscriptions.find((s) => s.Name === 'cosmos-target');
    if (!cosmos?.Rules?.[0]) throw new Error('no local rule for cosmos-target');
    cosmos.Rules[0].Properties = { FilterType: 'Sql', SqlFilter: { SqlExpression: '1=1' } };
    expect(subscriptionProblems(deployment, defaultList, local)).toEqual([
      'target orders-copy, subscription cosmos-target: local rules ["1=1"], expected ["replayTo IS NULL OR replayTo = \'cosmos-target\'"]',
    ]);
  });

  it('a container removed', () => {
    const dropped = without((r) => r.type.endsWith('/containers') && r.name.endsWith('/shop/leases'));
    expect(containerProblems(dropped, defaultList)).toEqual([
      'leases of source orders: container shop/leases not created',
    ]);
  });

  it('a role removed, or granted wider than needed', () => {
    const receiver = without(
      (r) => r.type === 'Microsoft.Authorization/roleAssignments' && r.symbol === 'subscriptionReceivers',
    );
    expect(roleProblems(receiver, defaultList, { readBacklogCounts: true })).toEqual([
      'role 4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0 on Microsoft.ServiceBus/namespaces/topics/subscriptions (receiving for target orders-copy): not assigned',
    ]);
    const reader = without((r) => r.symbol === 'readers');
    expect(roleProblems(reader, defaultList, { readBacklogCounts: true })).toEqual([
      'source orders: no Cosmos DB reader role on shop/orders',
    ]);
    const wide = structuredClone(deployment);
    const cosmosRole = ofType(wide, 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments')[0];
    if (!cosmosRole) throw new Error('no Cosmos DB role assignment');
    (cosmosRole.body['properties'] as Record<string, unknown>)['scope'] = '<cosmosData:account.id>';
    expect(roleProblems(wide, defaultList, { readBacklogCounts: true })).toEqual(
      expect.arrayContaining([expect.stringMatching(/not needed or too wide$/)]),
    );
  });

  it('azure.yaml and .funcignore that disagree', () => {
    const files = readPackagingFiles();
    expect(
      packagingProblems(deployment, {
        ...files,
        azureYaml: files.azureYaml.replace('remoteBuild: true', 'remoteBuild: false'),
        funcignore: files.funcignore.replace(/^node_modules$/m, '').replace(/^test$/m, 'shared'),
      }),
    ).toEqual([
      'azure.yaml: expected remoteBuild: true',
      '.funcignore: node_modules must be left out for the remote build',
      '.funcignore: leaves out shared, which the build needs',
    ]);
  });
});
