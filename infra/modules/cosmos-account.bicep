// A new Cosmos DB account for the pipeline: keys off (data-plane RBAC only), serverless by default so an idle
// pipeline costs storage only, and continuous backup when a source reads all versions and deletes.
param name string
param location string
param tags object
param serverless bool
@description('All versions and deletes change feed mode reads from the continuous backup, which must be on.')
param continuousBackup bool

resource account 'Microsoft.DocumentDB/databaseAccounts@2024-11-15' = {
  name: name
  location: location
  tags: tags
  kind: 'GlobalDocumentDB'
  properties: {
    databaseAccountOfferType: 'Standard'
    locations: [{ locationName: location, failoverPriority: 0 }]
    consistencyPolicy: { defaultConsistencyLevel: 'Session' }
    disableLocalAuth: true
    minimalTlsVersion: 'Tls12'
    capabilities: serverless ? [{ name: 'EnableServerless' }] : []
    backupPolicy: continuousBackup
      ? { type: 'Continuous', continuousModeProperties: { tier: 'Continuous7Days' } }
      : { type: 'Periodic', periodicModeProperties: { backupIntervalInMinutes: 240, backupRetentionIntervalInHours: 8 } }
  }
}

output name string = account.name
