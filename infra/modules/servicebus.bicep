// The Service Bus namespace, the events topic and one subscription per target. Local authentication (SAS keys) is
// off: the app sends and receives with its identity.
param name string
param location string
param tags object
@allowed(['Standard', 'Premium'])
param sku string
param premiumCapacity int
param topicName string
@description('The targets, as COSMOS_SYNC_TARGETS: each gets its subscription.')
param targets array
@description('Principal id of the app\'s identity.')
param principalId string
param readBacklogCounts bool

var dataSender = '69a216fc-b8fb-44d8-bc22-1f3c2552a39e'
var dataReceiver = '4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0'
var dataOwner = '090c5cfd-751d-490a-894a-3ce6f1109419'

resource namespace 'Microsoft.ServiceBus/namespaces@2024-01-01' = {
  name: name
  location: location
  tags: tags
  sku: {
    name: sku
    tier: sku
    capacity: sku == 'Premium' ? premiumCapacity : null
  }
  properties: {
    disableLocalAuth: true
    minimumTlsVersion: '1.2'
  }
}

resource topic 'Microsoft.ServiceBus/namespaces/topics@2024-01-01' = {
  parent: namespace
  name: topicName
  properties: {
    // The publisher gives every event a message id derived from its source coordinates, so a change published twice
    // (a retried batch, a lease taken over) is dropped by the topic within this window.
    requiresDuplicateDetection: true
    duplicateDetectionHistoryTimeWindow: 'PT10M'
    defaultMessageTimeToLive: 'P14D'
    // Premium carries documents up to 100 MB; Standard is fixed at 256 KB.
    maxMessageSizeInKilobytes: sku == 'Premium' ? 102400 : null
  }
}

// Batch subscribers (targets that are not ordered) get no lock renewal from the Functions host, so their lock must
// outlast the longest batch: the service's maximum, 5 minutes. Ordered targets run single dispatch, whose locks the
// host renews, on session subscriptions.
resource subscriptions 'Microsoft.ServiceBus/namespaces/topics/subscriptions@2024-01-01' = [
  for target in targets: {
    parent: topic
    name: target.subscription
    properties: {
      requiresSession: target.?ordered ?? false
      lockDuration: (target.?ordered ?? false) ? 'PT1M' : 'PT5M'
      maxDeliveryCount: 10
      deadLetteringOnMessageExpiration: true
      deadLetteringOnFilterEvaluationExceptions: true
      defaultMessageTimeToLive: 'P14D'
      // Never delete an idle subscription: a target that is down for weeks must find its backlog.
      autoDeleteOnIdle: 'P10675199DT2H48M5.4775807S'
    }
  }
]

// A Service Bus SQL filter string literal: quotes doubled, as the filter grammar reads them.
func sqlLiteral(value string) string => '\'${replace(value, '\'', '\'\'')}\''

// The text of a target subscription's rule: live events (no `replayTo` property) plus the replays, backfills and
// repairs addressed to this subscription only; with `sources`, only those sources' events. It must equal
// `subscriptionFilterFor(subscription, sources)` in shared/events/replay.ts, which the local broker's configuration
// uses too: test/infra/replay-rules.test.ts pins both.
func subscriptionFilter(subscription string, sources array) string => empty(sources) ? 'replayTo IS NULL OR replayTo = ${sqlLiteral(subscription)}' : '(replayTo IS NULL OR replayTo = ${sqlLiteral(subscription)}) AND source IN (${join(map(sources, source => sqlLiteral(source)), ', ')})'

// Every target's subscription gets that rule as `$Default`, replacing the default rule that accepts every message:
// without it, a message replayed to one target would reach them all. An existing deployment gets it on the next
// `azd provision`.
resource targetRules 'Microsoft.ServiceBus/namespaces/topics/subscriptions/rules@2024-01-01' = [
  for (target, index) in targets: {
    parent: subscriptions[index]
    name: '$Default'
    properties: {
      filterType: 'SqlFilter'
      sqlFilter: {
        sqlExpression: subscriptionFilter(target.subscription, target.?sources ?? [])
      }
    }
  }
]

// Why: the publisher sends every event to the topic, and nothing else.
resource topicSender 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(topic.id, principalId, dataSender)
  scope: topic
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', dataSender)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

// Why: each target's subscriber receives and settles messages of its own subscription only.
resource subscriptionReceivers 'Microsoft.Authorization/roleAssignments@2022-04-01' = [
  for (target, index) in targets: {
    name: guid(subscriptions[index].id, principalId, dataReceiver)
    scope: subscriptions[index]
    properties: {
      roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', dataReceiver)
      principalId: principalId
      principalType: 'ServicePrincipal'
    }
  }
]

// Why: the backlog counts in status and metrics come from the management API (subscription runtime properties),
// which needs Manage rights: Data Owner, on this topic only.
resource topicOwner 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (readBacklogCounts) {
  name: guid(topic.id, principalId, dataOwner)
  scope: topic
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', dataOwner)
    principalId: principalId
    principalType: 'ServicePrincipal'
  }
}

output fullyQualifiedNamespace string = '${namespace.name}.servicebus.windows.net'
