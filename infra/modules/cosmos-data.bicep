// Databases, containers and data-plane role assignments on the Cosmos DB account (new or existing). With Microsoft
// Entra ID the app cannot create databases or containers (data-plane RBAC has no such action), so every container
// it uses is created here: the monitored sources, the lease containers and the Cosmos DB targets.
param accountName string
@description('Every container the app uses: { database, container, partitionKeyPaths }.')
param containers array
@description('Containers the app only reads: the sources.')
param readerContainers array
@description('Containers the app writes: leases and Cosmos DB targets.')
param contributorContainers array
@description('Principal id of the app\'s identity.')
param principalId string

// Built-in Cosmos DB data-plane roles (not Azure RBAC roles): Data Reader and Data Contributor.
var dataReader = '00000000-0000-0000-0000-000000000001'
var dataContributor = '00000000-0000-0000-0000-000000000002'

resource account 'Microsoft.DocumentDB/databaseAccounts@2024-11-15' existing = {
  name: accountName
}

var databaseNames = union(map(containers, c => (c.database)), [])

resource databases 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases@2024-11-15' = [
  for database in databaseNames: {
    parent: account
    name: database
    properties: { resource: { id: database } }
  }
]

resource sqlContainers 'Microsoft.DocumentDB/databaseAccounts/sqlDatabases/containers@2024-11-15' = [
  for c in containers: {
    parent: databases[indexOf(databaseNames, c.database)]
    name: c.container
    properties: {
      resource: {
        id: c.container
        // Hierarchical partition keys (more than one path) need the MultiHash kind.
        partitionKey: length(c.partitionKeyPaths) > 1
          ? { paths: c.partitionKeyPaths, kind: 'MultiHash', version: 2 }
          : { paths: c.partitionKeyPaths, kind: 'Hash' }
      }
    }
  }
]

// Why: the change feed trigger and the status API read the sources (items, change feed, partition metadata); they
// never write them. Scoped to each container.
resource readers 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2024-11-15' = [
  for c in readerContainers: {
    parent: account
    name: guid(account.id, principalId, dataReader, c.database, c.container)
    properties: {
      roleDefinitionId: '${account.id}/sqlRoleDefinitions/${dataReader}'
      principalId: principalId
      scope: '${account.id}/dbs/${c.database}/colls/${c.container}'
    }
    dependsOn: [sqlContainers]
  }
]

// Why: the trigger keeps its leases (checkpoints) in the lease containers, and Cosmos DB targets are written. Scoped
// to each container.
resource contributors 'Microsoft.DocumentDB/databaseAccounts/sqlRoleAssignments@2024-11-15' = [
  for c in contributorContainers: {
    parent: account
    name: guid(account.id, principalId, dataContributor, c.database, c.container)
    properties: {
      roleDefinitionId: '${account.id}/sqlRoleDefinitions/${dataContributor}'
      principalId: principalId
      scope: '${account.id}/dbs/${c.database}/colls/${c.container}'
    }
    dependsOn: [sqlContainers]
  }
]

output endpoint string = account.properties.documentEndpoint
