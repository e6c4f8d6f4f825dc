// Key Vault for the secrets of PostgreSQL, Redis and webhook targets. App settings hold Key Vault references, never
// the secrets; the vault authorises with Azure RBAC. Its secrets are set after provisioning (docs/deploy.md).
param name string
param location string
param tags object
@description('Principal id of the app\'s identity.')
param principalId string

var keyVaultSecretsUser = '4633458b-17de-408a-b874-0445c86b69e6'

resource vault 'Microsoft.KeyVault/vaults@2023-07-01' = {
  name: name
  location: location
  tags: tags
  properties: {
    tenantId: tenant().tenantId
    sku: { family: 'A', name: 'standard' }
    enableRbacAuthorization: true
    enableSoftDelete: true
    softDeleteRetentionInDays: 7
  }
}

// Why: the platform resolves the app's Key Vault references with the app's identity; it reads secrets, nothing
// else. Scoped to this vault, which holds only this app's secrets (the secrets do not exist yet when it is created).
resource secretsUser 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(vault.id, principalId, keyVaultSecretsUser)
  scope: vault
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', keyVaultSecretsUser)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

output name string = vault.name
