/**
 * Checks of what an evaluated deployment creates: one subscription per target, configured like the local stack's,
 * every container and table the app uses, and role assignments at the narrowest scope. Each returns problems.
 */
import { subscriptionFilterFor } from '../../shared/events/replay.js';
import { isResourceHandle, type Deployment, type ResourceInstance } from './bicep/index.js';
import { lastSegment, ofType, type PipelineList } from './deployment.js';
import { deployedSettings, identityReference } from './settings-checks.js';

type Entry = Record<string, unknown>;

/** The local stack's Service Bus configuration (the official emulator's Config.json shape), the parts compared. */
export interface LocalServiceBusConfig {
  UserConfig: {
    Namespaces: {
      Topics: {
        Name: string;
        Subscriptions: { Name: string; Properties: Entry; Rules?: { Properties: Entry }[] }[];
      }[];
    }[];
  };
}

const props = (resource: ResourceInstance | undefined): Entry => (resource?.body['properties'] ?? {}) as Entry;
const isOrdered = (target: Entry) => target['ordered'] === true;
const sourcesOf = (target: Entry) => (Array.isArray(target['sources']) ? (target['sources'] as string[]) : []);

export function subscriptionProblems(
  deployment: Deployment,
  pipeline: PipelineList,
  local: LocalServiceBusConfig | undefined,
): string[] {
  const problems: string[] = [];
  const topicName = deployedSettings(deployment)['COSMOS_SYNC_TOPIC'] ?? '';
  const topic = ofType(deployment, 'Microsoft.ServiceBus/namespaces/topics').find(
    (t) => lastSegment(t.name) === topicName,
  );
  if (!topic) return [`topic ${topicName}: not created`];
  if (props(topic)['requiresDuplicateDetection'] !== true) problems.push(`topic ${topicName}: duplicate detection off`);
  const subscriptions = ofType(deployment, 'Microsoft.ServiceBus/namespaces/topics/subscriptions');
  const rules = ofType(deployment, 'Microsoft.ServiceBus/namespaces/topics/subscriptions/rules');
  const localTopic = local?.UserConfig.Namespaces.flatMap((ns) => ns.Topics).find((t) => t.Name === topicName);
  if (local && !localTopic) problems.push(`local Service Bus config: no topic ${topicName}`);

  for (const target of pipeline.targets ?? []) {
    const name = String(target['subscription']);
    const label = `target ${String(target['name'])}, subscription ${name}`;
    const subscription = subscriptions.find((s) => s.name === `${topic.name}/${name}`);
    if (!subscription) {
      problems.push(`${label}: not created on topic ${topicName}`);
      continue;
    }
    const azure = props(subscription);
    if (azure['requiresSession'] !== isOrdered(target)) {
      problems.push(`${label}: requiresSession must be ${isOrdered(target)} (ordered: ${isOrdered(target)})`);
    }
    // Batch triggers get no lock renewal: the lock must be the service's maximum.
    if (!isOrdered(target) && azure['lockDuration'] !== 'PT5M') problems.push(`${label}: lockDuration must be PT5M`);
    if (azure['deadLetteringOnMessageExpiration'] !== true) problems.push(`${label}: no dead-lettering on expiry`);
    const wanted = sourcesOf(target);
    const rule = rules.find((r) => r.parent === subscription && lastSegment(r.name) === '$Default');
    const expression = (props(rule)['sqlFilter'] as Entry | undefined)?.['sqlExpression'];
    // Live events plus replays addressed to this subscription only: see shared/events/replay.ts.
    const expected = subscriptionFilterFor(name, wanted);
    if (expression !== expected) {
      problems.push(`${label}: rule ${JSON.stringify(expression ?? 'none')}, expected ${JSON.stringify(expected)}`);
    }
    if (!localTopic) continue;
    const localSubscription = localTopic.Subscriptions.find((s) => s.Name === name);
    if (!localSubscription) {
      problems.push(`${label}: missing from local-stack/servicebus/servicebus.config.json`);
      continue;
    }
    const localProps = localSubscription.Properties;
    for (const [localKey, azureKey] of [
      ['RequiresSession', 'requiresSession'],
      ['MaxDeliveryCount', 'maxDeliveryCount'],
      ['DeadLetteringOnMessageExpiration', 'deadLetteringOnMessageExpiration'],
    ] as const) {
      if ((localProps[localKey] ?? false) !== azure[azureKey]) {
        problems.push(
          `${label}: ${localKey} is ${String(localProps[localKey])} locally, ${String(azure[azureKey])} in Azure`,
        );
      }
    }
    const localRules = localRuleTexts(localSubscription.Rules ?? []);
    if (localRules.length !== 1 || localRules[0] !== expected) {
      problems.push(`${label}: local rules ${JSON.stringify(localRules)}, expected [${JSON.stringify(expected)}]`);
    }
  }
  return problems;
}

/** The SQL text of each local rule (a rule without a SQL filter, such as a correlation filter, shows as null). */
export function localRuleTexts(rules: { Properties: Entry }[]): (string | null)[] {
  return rules.map((rule) => {
    const sql = (rule.Properties['SqlFilter'] as Entry | undefined)?.['SqlExpression'];
    return typeof sql === 'string' ? sql : null;
  });
}

interface ContainerUse {
  database: string;
  container: string;
  partitionKeyPaths: string[];
  role: 'reader' | 'contributor';
  what: string;
}

/** Every Cosmos DB container the app uses, with its partition key and the access it needs. */
export function containersOf(pipeline: PipelineList): ContainerUse[] {
  const uses: ContainerUse[] = [];
  for (const source of pipeline.sources) {
    const database = String(source['database']);
    uses.push({
      database,
      container: String(source['container']),
      partitionKeyPaths: source['partitionKeyPaths'] as string[],
      role: 'reader',
      what: `source ${String(source['name'])}`,
    });
    uses.push({
      database: String(source['leaseDatabase'] ?? database),
      container: String(source['leaseContainer'] ?? 'leases'),
      partitionKeyPaths: ['/id'],
      role: 'contributor',
      what: `leases of source ${String(source['name'])}`,
    });
  }
  for (const target of (pipeline.targets ?? []).filter((t) => t['type'] === 'cosmos')) {
    uses.push({
      database: String(target['database']),
      container: String(target['container']),
      partitionKeyPaths: [String(target['partitionKeyPath'] ?? '/pk')],
      role: 'contributor',
      what: `Cosmos DB target ${String(target['name'])}`,
    });
  }
  return uses;
}

export function containerProblems(deployment: Deployment, pipeline: PipelineList): string[] {
  const problems: string[] = [];
  const containers = ofType(deployment, 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers');
  for (const use of containersOf(pipeline)) {
    const found = containers.find((c) => c.name.endsWith(`/${use.database}/${use.container}`));
    const key = (props(found)['resource'] as Entry | undefined)?.['partitionKey'] as Entry | undefined;
    if (!found) problems.push(`${use.what}: container ${use.database}/${use.container} not created`);
    else if (JSON.stringify(key?.['paths']) !== JSON.stringify(use.partitionKeyPaths)) {
      problems.push(
        `${use.what}: partition key ${JSON.stringify(key?.['paths'])}, expected ${JSON.stringify(use.partitionKeyPaths)}`,
      );
    } else if (use.partitionKeyPaths.length > 1 && key?.['kind'] !== 'MultiHash') {
      problems.push(`${use.what}: hierarchical partition key needs kind MultiHash`);
    }
  }
  const settings = deployedSettings(deployment);
  const tables = ofType(deployment, 'Microsoft.Storage/storageAccounts/tableServices/tables').map((t) =>
    lastSegment(t.name),
  );
  for (const setting of ['COSMOS_SYNC_STATE_TABLE', 'COSMOS_SYNC_METRICS_TABLE', 'COSMOS_SYNC_POISON_TABLE']) {
    if (!tables.includes(settings[setting] ?? ''))
      problems.push(`table ${settings[setting]} (${setting}): not created`);
  }
  const blobContainers = ofType(deployment, 'Microsoft.Storage/storageAccounts/blobServices/containers').map((c) =>
    lastSegment(c.name),
  );
  const wantedBlobs = [
    settings['COSMOS_SYNC_QUARANTINE_CONTAINER'] ?? '',
    ...(pipeline.targets ?? []).filter((t) => t['type'] === 'blob').map((t) => String(t['container'])),
  ];
  for (const name of wantedBlobs) {
    if (!blobContainers.includes(name)) problems.push(`blob container ${name}: not created`);
  }
  const site = ofType(deployment, 'Microsoft.Web/sites')[0];
  const packageUrl = (
    ((props(site)['functionAppConfig'] as Entry | undefined)?.['deployment'] as Entry | undefined)?.['storage'] as
      Entry | undefined
  )?.['value'];
  if (
    typeof packageUrl !== 'string' ||
    !blobContainers.some((name) => packageUrl.endsWith(`/${name}`) || packageUrl.endsWith(`>${name}`))
  ) {
    problems.push(`deployment package container ${String(packageUrl)}: not created`);
  }
  const needsBackup = pipeline.sources.some((s) => s['changeFeedMode'] === 'AllVersionsAndDeletes');
  for (const account of ofType(deployment, 'Microsoft.DocumentDB/databaseAccounts')) {
    const backup = (props(account)['backupPolicy'] as Entry | undefined)?.['type'];
    if (needsBackup && backup !== 'Continuous')
      problems.push(`Cosmos DB account: AllVersionsAndDeletes needs continuous backup`);
  }
  return problems;
}

/** Azure RBAC role definition ids (built-in roles) the app needs, by name. */
export const ROLE = {
  serviceBusDataSender: '69a216fc-b8fb-44d8-bc22-1f3c2552a39e',
  serviceBusDataReceiver: '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0',
  serviceBusDataOwner: '090c5cfd-751d-490a-894a-3ce6f1109419',
  storageBlobDataOwner: 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b',
  storageTableDataContributor: '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3',
  monitoringMetricsPublisher: '3913510d-42f4-4e42-8a64-420c390055eb',
  keyVaultSecretsUser: '4633458b-17de-408a-b874-0445c86b69e6',
} as const;
const COSMOS_READER = '00000000-0000-0000-0000-000000000001';
const COSMOS_CONTRIBUTOR = '00000000-0000-0000-0000-000000000002';

interface Grant {
  role: string;
  scopeType: string;
  scopeName: (name: string) => boolean;
  why: string;
}

export function roleProblems(
  deployment: Deployment,
  pipeline: PipelineList,
  options: { readBacklogCounts: boolean },
): string[] {
  const problems: string[] = [];
  const principal = identityReference(deployment, 'principalId');
  const settings = deployedSettings(deployment);
  const topic = settings['COSMOS_SYNC_TOPIC'] ?? '';
  const hasSecrets = (pipeline.targets ?? []).some((t) => ['postgres', 'redis', 'webhook'].includes(String(t['type'])));
  const any = () => true;
  const grants: Grant[] = [
    {
      role: ROLE.serviceBusDataSender,
      scopeType: 'Microsoft.ServiceBus/namespaces/topics',
      scopeName: (n) => lastSegment(n) === topic,
      why: 'publishing to the topic',
    },
    ...(pipeline.targets ?? []).map((t) => ({
      role: ROLE.serviceBusDataReceiver,
      scopeType: 'Microsoft.ServiceBus/namespaces/topics/subscriptions',
      scopeName: (n: string) => n.endsWith(`/${topic}/${String(t['subscription'])}`),
      why: `receiving for target ${String(t['name'])}`,
    })),
    ...(options.readBacklogCounts
      ? [
          {
            role: ROLE.serviceBusDataOwner,
            scopeType: 'Microsoft.ServiceBus/namespaces/topics',
            scopeName: (n: string) => lastSegment(n) === topic,
            why: 'backlog counts',
          },
        ]
      : []),
    {
      role: ROLE.storageBlobDataOwner,
      scopeType: 'Microsoft.Storage/storageAccounts',
      scopeName: any,
      why: 'the host storage',
    },
    {
      role: ROLE.storageTableDataContributor,
      scopeType: 'Microsoft.Storage/storageAccounts/tableServices',
      scopeName: any,
      why: 'the app tables',
    },
    {
      role: ROLE.monitoringMetricsPublisher,
      scopeType: 'Microsoft.Insights/components',
      scopeName: any,
      why: 'telemetry',
    },
    ...(hasSecrets
      ? [
          {
            role: ROLE.keyVaultSecretsUser,
            scopeType: 'Microsoft.KeyVault/vaults',
            scopeName: any,
            why: 'Key Vault references',
          },
        ]
      : []),
  ];

  const assignments = ofType(deployment, 'Microsoft.Authorization/roleAssignments');
  const matched = new Set<ResourceInstance>();
  for (const grant of grants) {
    const found = assignments.find((a) => {
      const scope = a.body['scope'];
      return (
        String(props(a)['roleDefinitionId']).endsWith(grant.role) &&
        isResourceHandle(scope) &&
        scope.type.toLowerCase() === grant.scopeType.toLowerCase() &&
        grant.scopeName(scope.name)
      );
    });
    if (!found) problems.push(`role ${grant.role} on ${grant.scopeType} (${grant.why}): not assigned`);
    else matched.add(found);
  }
  for (const assignment of assignments) {
    if (props(assignment)['principalId'] !== principal) {
      problems.push(`role assignment ${assignment.symbol}: not to the app's identity`);
    }
    if (!matched.has(assignment)) {
      problems.push(`role assignment ${assignment.symbol}: not one the app needs, or at a wider scope than needed`);
    }
  }

  const sqlAssignments = ofType(deployment, 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments');
  const cosmosMatched = new Set<ResourceInstance>();
  for (const use of containersOf(pipeline)) {
    const role = use.role === 'reader' ? COSMOS_READER : COSMOS_CONTRIBUTOR;
    const found = sqlAssignments.find(
      (a) =>
        String(props(a)['roleDefinitionId']).endsWith(`/sqlRoleDefinitions/${role}`) &&
        String(props(a)['scope']).endsWith(`/dbs/${use.database}/colls/${use.container}`),
    );
    if (!found) problems.push(`${use.what}: no Cosmos DB ${use.role} role on ${use.database}/${use.container}`);
    else cosmosMatched.add(found);
  }
  for (const assignment of sqlAssignments) {
    if (props(assignment)['principalId'] !== principal) {
      problems.push(`Cosmos DB role assignment ${assignment.symbol}: not to the app's identity`);
    }
    if (!cosmosMatched.has(assignment)) {
      problems.push(
        `Cosmos DB role assignment ${assignment.symbol} (${String(props(assignment)['scope'])}): not needed or too wide`,
      );
    }
  }
  return problems;
}
