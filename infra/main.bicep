// cosmos-sync on Azure Functions (Flex Consumption), deployed by `azd up`.
//
// Everything a pipeline needs is derived from one list, `pipeline.json` (or the `pipeline` parameter): the sources and
// targets exactly as the app reads them in COSMOS_SYNC_SOURCES / COSMOS_SYNC_TARGETS. From it come the Cosmos DB
// databases and containers (sources, leases, Cosmos targets), one Service Bus subscription per target, the blob
// containers of blob targets, the Key Vault references of secrets, every role assignment and every app setting.
// The app signs in everywhere with one user-assigned managed identity; no setting holds a key.
//
// Offline checks (test/infra) evaluate this template and fail when it drifts from the app's configuration schema.
targetScope = 'subscription'

@minLength(1)
@maxLength(64)
@description('Name of the azd environment; names and tags of every resource derive from it.')
param environmentName string

@minLength(1)
@description('Region of every resource. Flex Consumption is not offered in every region: see docs/deploy.md.')
@metadata({ azd: { type: 'location' } })
param location string

@description('Sources and targets, in the shape of COSMOS_SYNC_SOURCES and COSMOS_SYNC_TARGETS (README, "Sources" and "Targets").')
param pipeline object = loadJsonContent('pipeline.json')

@description('Name of an existing Cosmos DB account to use; empty creates a new one (serverless, local auth off).')
param existingCosmosAccountName string = ''

@description('Resource group of the existing Cosmos DB account; empty means the one this deployment creates.')
param existingCosmosResourceGroup string = ''

@description('Serverless (pay per request, no idle cost) or provisioned throughput for a new Cosmos DB account.')
param cosmosServerless bool = true

@allowed(['Standard', 'Premium'])
@description('Service Bus tier. Premium: messages up to 100 MB, dedicated capacity, predictable latency.')
param serviceBusSku string = 'Standard'

@minValue(1)
@maxValue(16)
@description('Messaging units of a Premium namespace (ignored for Standard).')
param serviceBusPremiumCapacity int = 1

@allowed(['20', '22'])
@description('Node.js version of the function app.')
param nodeVersion string = '22'

@allowed([512, 2048, 4096])
@description('Memory of one Flex Consumption instance, in MB.')
param instanceMemoryMB int = 2048

@minValue(40)
@maxValue(1000)
@description('Most instances Flex Consumption scales the app out to.')
param maximumInstanceCount int = 100

@description('Grant the app the Service Bus Data Owner role on the topic, which the management API needs for backlog counts in status and metrics. false: status shows no backlog.')
param readBacklogCounts bool = true

@description('Service Bus topic that carries the events (COSMOS_SYNC_TOPIC).')
param topicName string = 'cosmos-sync-events'

@minValue(1)
@maxValue(4096)
@description('Sessions that partition keys are hashed into, for ordered targets (COSMOS_SYNC_SESSION_BUCKETS).')
param sessionBuckets int = 64

@description('Azure Table of per-target state (COSMOS_SYNC_STATE_TABLE).')
param stateTableName string = 'cosmossyncstate'

@description('Azure Table of metrics rows (COSMOS_SYNC_METRICS_TABLE).')
param metricsTableName string = 'cosmossyncmetrics'

@description('Azure Table of poison-message records (COSMOS_SYNC_POISON_TABLE).')
param poisonTableName string = 'cosmossyncpoison'

@description('Blob container of quarantined documents and poison-message bodies (COSMOS_SYNC_QUARANTINE_CONTAINER).')
param quarantineContainerName string = 'cosmos-sync-quarantine'

@description('Blob container of the claim check: events too large for one Service Bus message (COSMOS_SYNC_CLAIM_CONTAINER).')
param claimContainerName string = 'cosmos-sync-claims'

// Longer than the subscriptions' message time to live (P14D, modules/servicebus.bicep), so no message outlives the
// event it references; test/infra checks both that and that this default is the app's.
@minValue(15)
@maxValue(3650)
@description('Days after their last write that the storage lifecycle policy deletes claim blobs (COSMOS_SYNC_CLAIM_RETENTION_DAYS).')
param claimRetentionDays int = 30

@minValue(1048576)
@maxValue(268435456)
@description('Largest event in bytes the claim check stores; a larger one is quarantined (COSMOS_SYNC_CLAIM_MAX_BYTES).')
param claimMaxBytes int = 16777216

@description('When the metrics timer runs, NCRONTAB with seconds (COSMOS_SYNC_METRICS_SCHEDULE).')
param metricsSchedule string = '0 */1 * * * *'

@description('Keep state rows and record metrics (COSMOS_SYNC_METRICS_ENABLED).')
param metricsEnabled bool = true

@minValue(0)
@maxValue(3650)
@description('Days metrics rows are kept; 0 keeps them forever (COSMOS_SYNC_METRICS_RETENTION_DAYS).')
param metricsRetentionDays int = 30

@description('Health thresholds, as COSMOS_SYNC_HEALTH_THRESHOLDS; {} keeps the app\'s defaults.')
param healthThresholds object = {}

@allowed(['debug', 'info', 'warn', 'error'])
@description('Lowest log level written (COSMOS_SYNC_LOG_LEVEL).')
param logLevel string = 'info'

var abbrs = loadJsonContent('abbreviations.json')
var resourceToken = toLower(uniqueString(subscription().id, environmentName, location))
var tags = { 'azd-env-name': environmentName }
var functionAppName = '${abbrs.webSitesFunctions}${resourceToken}'
// Flex Consumption reads the app's package from this container with the app's identity.
var deploymentContainerName = 'app-package-${resourceToken}'

var sources = pipeline.sources
var targets = pipeline.?targets ?? []
var createCosmosAccount = empty(existingCosmosAccountName)
var cosmosAccountName = createCosmosAccount
  ? '${abbrs.documentDBDatabaseAccounts}${resourceToken}'
  : existingCosmosAccountName

// Every Cosmos DB connection name the list uses, with the app's defaults. All of them reach the one account.
var cosmosTargets = filter(targets, t => (t.type == 'cosmos'))
var cosmosConnections = union(
  map(sources, s => (s.?connection ?? 'CosmosSource')),
  map(sources, s => (s.?leaseConnection ?? s.?connection ?? 'CosmosSource')),
  map(cosmosTargets, t => (t.?connection ?? 'CosmosTarget'))
)

// Containers: the monitored ones (read only), the leases (read-write, partitioned on /id as the trigger requires)
// and the Cosmos targets (read-write). union() drops a container listed twice in the same form.
var sourceContainers = map(sources, s => ({ database: s.database, container: s.container, partitionKeyPaths: s.partitionKeyPaths }))
var leaseContainers = map(sources, s => ({
  database: s.?leaseDatabase ?? s.database
  container: s.?leaseContainer ?? 'leases'
  partitionKeyPaths: ['/id']
}))
var targetContainers = map(cosmosTargets, t => ({
  database: t.database
  container: t.container
  partitionKeyPaths: [t.?partitionKeyPath ?? '/pk']
}))
// All versions and deletes mode reads the continuous backup's log: the account needs continuous backup.
var needsContinuousBackup = contains(map(sources, s => (s.?changeFeedMode ?? 'LatestVersion')), 'AllVersionsAndDeletes')

// Blob targets write to containers of this deployment's storage account.
var blobTargets = filter(targets, t => (t.type == 'blob'))
var blobConnections = filter(
  union(map(blobTargets, t => (t.?connection ?? 'AzureWebJobsStorage')), []),
  name => (name != 'AzureWebJobsStorage')
)

// Settings that hold secrets become Key Vault references; the secret names are the setting names with "-" for "_".
var secretSettings = union(
  map(filter(targets, t => (t.type == 'postgres')), t => (t.?connection ?? 'PostgresTarget')),
  map(filter(targets, t => (t.type == 'redis')), t => (t.?connection ?? 'RedisTarget')),
  map(filter(targets, t => (t.type == 'webhook')), t => (t.secretSetting))
)

resource rg 'Microsoft.Resources/resourceGroups@2024-03-01' = {
  name: '${abbrs.resourcesResourceGroups}${environmentName}'
  location: location
  tags: tags
}

module identity 'modules/identity.bicep' = {
  name: 'identity'
  scope: rg
  params: {
    name: '${abbrs.appManagedIdentity}${resourceToken}'
    location: location
    tags: tags
  }
}

module monitoring 'modules/monitoring.bicep' = {
  name: 'monitoring'
  scope: rg
  params: {
    logAnalyticsName: '${abbrs.operationalInsightsWorkspaces}${resourceToken}'
    appInsightsName: '${abbrs.insightsComponents}${resourceToken}'
    location: location
    tags: tags
    principalId: identity.outputs.principalId
  }
}

module storage 'modules/storage.bicep' = {
  name: 'storage'
  scope: rg
  params: {
    name: '${abbrs.storageStorageAccounts}${resourceToken}'
    location: location
    tags: tags
    principalId: identity.outputs.principalId
    deploymentContainerName: deploymentContainerName
    quarantineContainerName: quarantineContainerName
    claimContainerName: claimContainerName
    claimRetentionDays: claimRetentionDays
    blobTargetContainers: map(blobTargets, t => (t.container))
    tableNames: [stateTableName, metricsTableName, poisonTableName]
  }
}

module serviceBus 'modules/servicebus.bicep' = {
  name: 'servicebus'
  scope: rg
  params: {
    name: '${abbrs.serviceBusNamespaces}${resourceToken}'
    location: location
    tags: tags
    sku: serviceBusSku
    premiumCapacity: serviceBusPremiumCapacity
    topicName: topicName
    targets: targets
    principalId: identity.outputs.principalId
    readBacklogCounts: readBacklogCounts
  }
}

module cosmosAccount 'modules/cosmos-account.bicep' = if (createCosmosAccount) {
  name: 'cosmos-account'
  scope: rg
  params: {
    name: cosmosAccountName
    location: location
    tags: tags
    serverless: cosmosServerless
    continuousBackup: needsContinuousBackup
  }
}

// Databases, containers and data-plane roles, in the account's resource group (an existing account may live elsewhere).
module cosmosData 'modules/cosmos-data.bicep' = {
  name: 'cosmos-data'
  scope: resourceGroup(createCosmosAccount || empty(existingCosmosResourceGroup) ? rg.name : existingCosmosResourceGroup)
  dependsOn: [rg, cosmosAccount]
  params: {
    accountName: cosmosAccountName
    containers: union(sourceContainers, leaseContainers, targetContainers)
    readerContainers: sourceContainers
    contributorContainers: union(leaseContainers, targetContainers)
    principalId: identity.outputs.principalId
  }
}

module keyVault 'modules/keyvault.bicep' = if (!empty(secretSettings)) {
  name: 'keyvault'
  scope: rg
  params: {
    name: '${abbrs.keyVaultVaults}${resourceToken}'
    location: location
    tags: tags
    principalId: identity.outputs.principalId
  }
}

// The app's own settings, exactly as shared/config/settings.ts reads them. Connection settings are added by the
// function app module, which knows the endpoints.
var pipelineSettings = {
  COSMOS_SYNC_SOURCES: string(sources)
  COSMOS_SYNC_TARGETS: string(targets)
  COSMOS_SYNC_TOPIC: topicName
  COSMOS_SYNC_SESSION_BUCKETS: string(sessionBuckets)
  COSMOS_SYNC_STATE_TABLE: stateTableName
  COSMOS_SYNC_METRICS_TABLE: metricsTableName
  COSMOS_SYNC_POISON_TABLE: poisonTableName
  COSMOS_SYNC_QUARANTINE_CONTAINER: quarantineContainerName
  COSMOS_SYNC_CLAIM_CONTAINER: claimContainerName
  COSMOS_SYNC_CLAIM_RETENTION_DAYS: string(claimRetentionDays)
  COSMOS_SYNC_CLAIM_MAX_BYTES: string(claimMaxBytes)
  COSMOS_SYNC_METRICS_SCHEDULE: metricsSchedule
  COSMOS_SYNC_METRICS_ENABLED: string(metricsEnabled)
  COSMOS_SYNC_METRICS_RETENTION_DAYS: string(metricsRetentionDays)
  COSMOS_SYNC_HEALTH_THRESHOLDS: string(healthThresholds)
  COSMOS_SYNC_LOG_LEVEL: logLevel
}

module functionApp 'modules/function-app.bicep' = {
  name: 'function-app'
  scope: rg
  params: {
    name: functionAppName
    planName: '${abbrs.webServerFarms}${resourceToken}'
    location: location
    tags: tags
    nodeVersion: nodeVersion
    instanceMemoryMB: instanceMemoryMB
    maximumInstanceCount: maximumInstanceCount
    identityId: identity.outputs.id
    identityClientId: identity.outputs.clientId
    storageAccountName: storage.outputs.name
    deploymentContainerUrl: '${storage.outputs.blobEndpoint}${deploymentContainerName}'
    appInsightsConnectionString: monitoring.outputs.connectionString
    cosmosEndpoint: cosmosData.outputs.endpoint
    cosmosConnections: cosmosConnections
    serviceBusNamespace: serviceBus.outputs.fullyQualifiedNamespace
    blobConnections: blobConnections
    blobEndpoint: storage.outputs.blobEndpoint
    keyVaultName: empty(secretSettings) ? '' : keyVault.outputs.name
    secretSettings: secretSettings
    pipelineSettings: pipelineSettings
  }
}

// Outputs named like the app settings they hold, so `azd env get-values` can fill a local.settings.json that runs
// the app on this machine against these resources (docs/deploy.md).
output AZURE_LOCATION string = location
output AZURE_TENANT_ID string = tenant().tenantId
output AZURE_RESOURCE_GROUP string = rg.name
output AZURE_FUNCTION_APP_NAME string = functionApp.outputs.name
output AZURE_COSMOS_ACCOUNT_NAME string = cosmosAccountName
output AzureWebJobsStorage__accountName string = storage.outputs.name
output ServiceBus__fullyQualifiedNamespace string = serviceBus.outputs.fullyQualifiedNamespace
output CosmosSource__accountEndpoint string = cosmosData.outputs.endpoint
output CosmosTarget__accountEndpoint string = cosmosData.outputs.endpoint
output APPLICATIONINSIGHTS_CONNECTION_STRING string = monitoring.outputs.connectionString
output COSMOS_SYNC_SOURCES string = pipelineSettings.COSMOS_SYNC_SOURCES
output COSMOS_SYNC_TARGETS string = pipelineSettings.COSMOS_SYNC_TARGETS
output COSMOS_SYNC_TOPIC string = topicName
output COSMOS_SYNC_STATE_TABLE string = stateTableName
output COSMOS_SYNC_METRICS_TABLE string = metricsTableName
output COSMOS_SYNC_POISON_TABLE string = poisonTableName
output COSMOS_SYNC_QUARANTINE_CONTAINER string = quarantineContainerName
output AZURE_KEY_VAULT_NAME string = empty(secretSettings) ? '' : keyVault.outputs.name
output COSMOS_SYNC_SECRET_NAMES array = map(secretSettings, setting => (replace(setting, '_', '-')))
