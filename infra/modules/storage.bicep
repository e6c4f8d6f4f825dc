// The storage account: the Functions host's own storage (AzureWebJobsStorage), the deployment package container,
// the app's tables, quarantine and claim containers, and the containers of blob targets. Shared keys are off, so only
// Microsoft Entra ID callers get in.
param name string
param location string
param tags object
@description('Principal id of the app\'s identity.')
param principalId string
param deploymentContainerName string
param quarantineContainerName string
@description('Container of claim-checked events (COSMOS_SYNC_CLAIM_CONTAINER); its blobs expire after claimRetentionDays.')
param claimContainerName string
@description('Days after their last write that claim blobs are deleted (COSMOS_SYNC_CLAIM_RETENTION_DAYS).')
param claimRetentionDays int
param blobTargetContainers array
param tableNames array

var storageBlobDataOwner = 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
var storageTableDataContributor = '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'

resource account 'Microsoft.Storage/storageAccounts@2023-05-01' = {
  name: name
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: { name: 'Standard_LRS' }
  properties: {
    allowSharedKeyAccess: false
    allowBlobPublicAccess: false
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    defaultToOAuthAuthentication: true
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2023-05-01' = {
  parent: account
  name: 'default'
}

resource containers 'Microsoft.Storage/storageAccounts/blobServices/containers@2023-05-01' = [
  for container in union([deploymentContainerName, quarantineContainerName, claimContainerName], blobTargetContainers): {
    parent: blobService
    name: container
    properties: { publicAccess: 'None' }
  }
]

// Why: a claim blob is needed only while a message may still reference it; without this they would pile up forever.
// The app's metrics timer deletes the same blobs (the only retention where no lifecycle policy runs, e.g. Azurite);
// the policy is what guarantees it here, about once a day. Only the claim container's prefix: nothing else expires.
resource lifecycle 'Microsoft.Storage/storageAccounts/managementPolicies@2023-05-01' = {
  parent: account
  name: 'default'
  properties: {
    policy: {
      rules: [
        {
          name: 'expire-claim-checks'
          enabled: true
          type: 'Lifecycle'
          definition: {
            filters: {
              blobTypes: ['blockBlob']
              prefixMatch: ['${claimContainerName}/']
            }
            actions: {
              baseBlob: {
                delete: { daysAfterModificationGreaterThan: claimRetentionDays }
              }
            }
          }
        }
      ]
    }
  }
}

resource tableService 'Microsoft.Storage/storageAccounts/tableServices@2023-05-01' = {
  parent: account
  name: 'default'
}

resource tables 'Microsoft.Storage/storageAccounts/tableServices/tables@2023-05-01' = [
  for table in tableNames: {
    parent: tableService
    name: table
  }
]

// Why: the Functions host keeps its locks (the timer's singleton), keys and the Flex deployment package in blobs of
// this account and needs Storage Blob Data Owner on the account for it; the app's quarantine container and blob
// targets' containers are inside the same scope.
resource blobOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(account.id, principalId, storageBlobDataOwner)
  scope: account
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataOwner)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Why: the app reads and writes its state, metrics and poison tables and creates them when missing at start-up
// (creating a table is an operation on the table service, so the role cannot be narrowed to single tables).
resource tableContributor 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(tableService.id, principalId, storageTableDataContributor)
  scope: tableService
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageTableDataContributor)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

output name string = account.name
output blobEndpoint string = account.properties.primaryEndpoints.blob
