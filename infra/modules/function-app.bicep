// The function app on the Flex Consumption plan, with the app's identity and every app setting the app reads.
// Flex Consumption rejects FUNCTIONS_WORKER_RUNTIME, FUNCTIONS_EXTENSION_VERSION and WEBSITE_RUN_FROM_PACKAGE: the
// runtime and the package location are properties of the site (functionAppConfig) instead.
param name string
param planName string
param location string
param tags object
@allowed(['20', '22'])
param nodeVersion string
param instanceMemoryMB int
param maximumInstanceCount int
@description('Resource id of the app\'s user-assigned identity.')
param identityId string
@description('Client id of the app\'s user-assigned identity: every identity-based connection names it.')
param identityClientId string
param storageAccountName string
param deploymentContainerUrl string
param appInsightsConnectionString string
param cosmosEndpoint string
@description('Names of the Cosmos DB connections the sources and targets use.')
param cosmosConnections array
param serviceBusNamespace string
@description('Names of the storage connections of blob targets, other than AzureWebJobsStorage.')
param blobConnections array
param blobEndpoint string
@description('Key Vault holding the secrets; empty when no setting holds one.')
param keyVaultName string
@description('Names of the settings that hold secrets (connection strings of PostgreSQL and Redis targets, webhook secrets).')
param secretSettings array
@description('The COSMOS_SYNC_* settings.')
param pipelineSettings object

// Identity-based connections, as the Functions extensions and the app read them: an endpoint, the credential kind,
// and the client id of the user-assigned identity (without it the platform would look for a system-assigned one).
var identity = { credential: 'managedidentity', clientId: identityClientId }
var hostSettings = {
  AzureWebJobsStorage__accountName: storageAccountName
  AzureWebJobsStorage__credential: identity.credential
  AzureWebJobsStorage__clientId: identity.clientId
  ServiceBus__fullyQualifiedNamespace: serviceBusNamespace
  ServiceBus__credential: identity.credential
  ServiceBus__clientId: identity.clientId
  APPLICATIONINSIGHTS_CONNECTION_STRING: appInsightsConnectionString
  // Local authentication is off on the component: telemetry goes in signed in as the app's identity.
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: 'Authorization=AAD;ClientId=${identity.clientId}'
}
var cosmosSettings = reduce(cosmosConnections, {}, (merged, connection) => (union(merged, {
  '${connection}__accountEndpoint': cosmosEndpoint
  '${connection}__credential': identity.credential
  '${connection}__clientId': identity.clientId
})))
var blobSettings = reduce(blobConnections, {}, (merged, connection) => (union(merged, {
  '${connection}__blobServiceUri': blobEndpoint
  '${connection}__credential': identity.credential
  '${connection}__clientId': identity.clientId
})))
var secretReferences = reduce(secretSettings, {}, (merged, setting) => (union(merged, {
  '${setting}': '@Microsoft.KeyVault(VaultName=${keyVaultName};SecretName=${replace(setting, '_', '-')})'
})))

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: 'functionapp'
  sku: { tier: 'FlexConsumption', name: 'FC1' }
  properties: { reserved: true }
}

resource app 'Microsoft.Web/sites@2024-04-01' = {
  name: name
  location: location
  // azd deploys the package of the service named "app" in azure.yaml to the site carrying this tag.
  tags: union(tags, { 'azd-service-name': 'app' })
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: { '${identityId}': {} }
  }
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    // Key Vault references resolve with the app's user-assigned identity, not a system-assigned one it lacks.
    keyVaultReferenceIdentity: identityId
    siteConfig: { minTlsVersion: '1.2' }
    functionAppConfig: {
      deployment: {
        storage: {
          type: 'blobContainer'
          value: deploymentContainerUrl
          authentication: { type: 'UserAssignedIdentity', userAssignedIdentityResourceId: identityId }
        }
      }
      scaleAndConcurrency: {
        instanceMemoryMB: instanceMemoryMB
        maximumInstanceCount: maximumInstanceCount
      }
      runtime: { name: 'node', version: nodeVersion }
    }
  }

  resource settings 'config' = {
    name: 'appsettings'
    properties: union(hostSettings, cosmosSettings, blobSettings, secretReferences, pipelineSettings)
  }
}

output name string = app.name
