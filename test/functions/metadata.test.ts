/**
 * The function metadata the Azure Functions host indexes, as `@azure/functions` builds it from `functions/` and the
 * worker sends it (`rawBindings`: each binding's JSON with its name). Two checks that fail when the code drifts from
 * what Azure runs:
 *
 * 1. A snapshot of every function's bindings and retry policy, for a configuration with both change-feed modes.
 * 2. Every binding property is one the host or the extension reads. The Functions host ignores properties it does not
 *    know, so a misspelt or unsupported option would be silently dropped in Azure while the local host honoured it.
 *    Property lists: Cosmos DB extension 4.x `CosmosDBTriggerAttribute` (azure-webjobs-sdk-extensions,
 *    `src/WebJobs.Extensions.CosmosDB/Trigger/CosmosDBTriggerAttribute.cs`, `ChangeFeedMode` from 4.16.0); Service Bus
 *    extension 5.x `ServiceBusTriggerAttribute` (azure-sdk-for-net, `sdk/servicebus/
 *    Microsoft.Azure.WebJobs.Extensions.ServiceBus/src/ServiceBusTriggerAttribute.cs`); `TimerTriggerAttribute` and
 *    `HttpTriggerAttribute` (azure-webjobs-sdk-extensions); and what the host reads of every binding (azure-functions-host,
 *    `ScriptBindingContext`: type, name, direction, dataType, cardinality, properties).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadFunctionApp } from '../../local-host/load-app.js';
import type { CoreBinding, Registration } from '../../local-host/functions-core.js';

const root = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));
const sample = (
  JSON.parse(readFileSync(root('local.settings.sample.json'), 'utf8')) as { Values: Record<string, string> }
).Values;

const SOURCES = [
  { name: 'orders', database: 'shop', container: 'orders', partitionKeyPaths: ['/customerId'] },
  {
    name: 'audit',
    database: 'shop',
    container: 'audit',
    partitionKeyPaths: ['/id'],
    changeFeedMode: 'AllVersionsAndDeletes',
    startFrom: 'now',
    leaseContainer: 'audit-leases',
  },
];

/** The sample's unordered Cosmos DB target, and an ordered webhook target. */
const TARGETS = [
  ...(JSON.parse(sample['COSMOS_SYNC_TARGETS'] ?? '[]') as unknown[]),
  { name: 'hook', type: 'webhook', subscription: 'webhook-target', url: 'https://hooks.example.com/x', ordered: true },
];

const app = await loadFunctionApp({
  directory: root('functions'),
  settings: {
    ...sample,
    COSMOS_SYNC_SOURCES: JSON.stringify(SOURCES),
    COSMOS_SYNC_TARGETS: JSON.stringify(TARGETS),
    COSMOS_SYNC_WEBHOOK_SECRET: 'x'.repeat(40),
  },
});

/**
 * What the worker sends the host for a function (azure-functions-nodejs-worker `registerFunction.ts`): `rawBindings`,
 * each binding's JSON under its key's name, parsed back here, with generated names' hashes masked; and the retry
 * options as JSON carries them (undefined fields dropped).
 */
function indexed(registration: Registration) {
  const rawBindings = Object.entries(registration.metadata.bindings).map(([name, binding]) =>
    JSON.stringify({ ...binding, name }),
  );
  const bindings = rawBindings.map((raw) => JSON.parse(raw) as CoreBinding & { name: string });
  const retryOptions = registration.metadata.retryOptions;
  return {
    name: registration.name,
    bindings: bindings.map((binding) => ({ ...binding, name: binding.name.replace(/[0-9a-f]{10}$/, '<hash>') })),
    retryOptions: retryOptions === undefined ? undefined : (JSON.parse(JSON.stringify(retryOptions)) as unknown),
  };
}

const HOST_PROPERTIES = ['type', 'name', 'direction', 'dataType', 'cardinality', 'properties'];
const READ_BY: Record<string, string[]> = {
  cosmosDBTrigger: [
    'connection',
    'databaseName',
    'containerName',
    'leaseConnection',
    'leaseDatabaseName',
    'leaseContainerName',
    'createLeaseContainerIfNotExists',
    'leasesContainerThroughput',
    'leaseContainerPrefix',
    'feedPollDelay',
    'leaseRenewInterval',
    'leaseAcquireInterval',
    'leaseExpirationInterval',
    'maxItemsPerInvocation',
    'startFromBeginning',
    'startFromTime',
    'preferredLocations',
    'changeFeedMode',
  ],
  serviceBusTrigger: [
    'connection',
    'queueName',
    'topicName',
    'subscriptionName',
    'isSessionsEnabled',
    'autoCompleteMessages',
    'maxMessageBatchSize',
  ],
  timerTrigger: ['schedule', 'runOnStartup', 'useMonitor'],
  httpTrigger: ['authLevel', 'methods', 'route'],
  http: [],
};

const retry = {
  strategy: 'exponentialBackoff',
  retryStrategy: 'exponentialBackoff',
  maxRetryCount: -1,
  // @azure/functions sends intervals as whole seconds.
  minimumInterval: { seconds: 1 },
  maximumInterval: { seconds: 60 },
};
const noDeferral = { supportsDeferredBinding: 'false' };
const httpFunction = (route: string) => ({
  name: route,
  bindings: [
    {
      name: 'httpTrigger<hash>',
      type: 'httpTrigger',
      direction: 'in',
      methods: ['GET'],
      authLevel: 'function',
      route,
      properties: noDeferral,
    },
    // The output binding's key is `$return`, and the worker sends the key as the name.
    { name: '$return', type: 'http', direction: 'out' },
  ],
  retryOptions: undefined,
});

describe('function metadata as the host indexes it', () => {
  it('matches the snapshot: one subscriber per target, one publisher per source, the timer and the HTTP API', () => {
    expect(app.registrations.map(indexed)).toEqual([
      {
        // Unordered: batches from a subscription without sessions.
        name: 'apply-orders-copy',
        bindings: [
          {
            name: 'serviceBusTrigger<hash>',
            type: 'serviceBusTrigger',
            direction: 'in',
            connection: 'ServiceBus',
            topicName: 'cosmos-sync-events',
            subscriptionName: 'cosmos-target',
            isSessionsEnabled: false,
            cardinality: 'many',
            dataType: 'binary',
            autoCompleteMessages: true,
            properties: noDeferral,
          },
        ],
        retryOptions: undefined,
      },
      {
        // Ordered: single dispatch on a session subscription.
        name: 'apply-hook',
        bindings: [
          {
            name: 'serviceBusTrigger<hash>',
            type: 'serviceBusTrigger',
            direction: 'in',
            connection: 'ServiceBus',
            topicName: 'cosmos-sync-events',
            subscriptionName: 'webhook-target',
            isSessionsEnabled: true,
            cardinality: 'one',
            dataType: 'binary',
            autoCompleteMessages: true,
            properties: noDeferral,
          },
        ],
        retryOptions: undefined,
      },
      {
        name: 'publish-orders',
        bindings: [
          {
            name: 'cosmosDBTrigger<hash>',
            type: 'cosmosDBTrigger',
            direction: 'in',
            connection: 'CosmosSource',
            databaseName: 'shop',
            containerName: 'orders',
            leaseDatabaseName: 'shop',
            leaseContainerName: 'leases',
            leaseContainerPrefix: 'orders-',
            createLeaseContainerIfNotExists: true,
            maxItemsPerInvocation: 500,
            feedPollDelay: 1000,
            startFromBeginning: true,
            properties: noDeferral,
          },
        ],
        retryOptions: retry,
      },
      {
        name: 'publish-audit',
        bindings: [
          {
            name: 'cosmosDBTrigger<hash>',
            type: 'cosmosDBTrigger',
            direction: 'in',
            connection: 'CosmosSource',
            databaseName: 'shop',
            containerName: 'audit',
            leaseDatabaseName: 'shop',
            leaseContainerName: 'audit-leases',
            leaseContainerPrefix: 'audit-',
            createLeaseContainerIfNotExists: true,
            maxItemsPerInvocation: 500,
            feedPollDelay: 1000,
            changeFeedMode: 'AllVersionsAndDeletes',
            properties: noDeferral,
          },
        ],
        retryOptions: retry,
      },
      {
        name: 'record-metrics',
        bindings: [
          {
            name: 'timerTrigger<hash>',
            type: 'timerTrigger',
            direction: 'in',
            schedule: '0 */1 * * * *',
            runOnStartup: false,
            properties: noDeferral,
          },
        ],
        retryOptions: undefined,
      },
      httpFunction('status'),
      httpFunction('history'),
      httpFunction('dashboard'),
    ]);
  });

  it('uses only binding properties the host or the extension in bundle 4.x reads', () => {
    const unknown = app.registrations.flatMap((registration) =>
      Object.values(registration.metadata.bindings).flatMap((binding: CoreBinding) => {
        const known = READ_BY[binding.type];
        if (!known) return [`${registration.name}: binding type ${binding.type} is not checked here`];
        const allowed = new Set([...HOST_PROPERTIES, ...known].map((name) => name.toLowerCase()));
        return Object.keys(binding)
          .filter((property) => !allowed.has(property.toLowerCase()))
          .map((property) => `${registration.name}: ${binding.type}.${property}`);
      }),
    );
    expect(unknown).toEqual([]);
  });

  it('gives the Cosmos DB trigger consistent start options for its change-feed mode', () => {
    for (const registration of app.registrations) {
      const trigger = Object.values(registration.metadata.bindings).find((b) => b.type === 'cosmosDBTrigger');
      if (!trigger) continue;
      // The listener refuses both at once (CosmosDBTriggerListener: "Only one of StartFromBeginning or StartFromTime").
      expect(trigger['startFromBeginning'] !== undefined && trigger['startFromTime'] !== undefined).toBe(false);
      if (trigger['changeFeedMode'] === 'AllVersionsAndDeletes') {
        expect(trigger).not.toHaveProperty('startFromBeginning');
        expect(trigger).not.toHaveProperty('startFromTime');
      }
      expect(registration.metadata.retryOptions).toMatchObject({ maxRetryCount: -1 });
    }
  });
});

describe('host.json', () => {
  const hostJson = JSON.parse(readFileSync(root('host.json'), 'utf8')) as {
    extensionBundle: { id: string; version: string };
    extensions: { serviceBus: Record<string, unknown> };
  };

  it('pins an extension bundle range whose minimum carries everything the app uses', () => {
    // 4.37.0 is the first bundle whose Cosmos DB extension (4.16.1) runs changeFeedMode AllVersionsAndDeletes for
    // out-of-process workers; its Service Bus extension (5.17.0) has minMessageBatchSize and maxBatchWaitTime.
    expect(hostJson.extensionBundle).toEqual({
      id: 'Microsoft.Azure.Functions.ExtensionBundle',
      version: '[4.37.0, 5.0.0)',
    });
  });

  it('auto-completes Service Bus batches: the subscribers settle nothing themselves', () => {
    expect(hostJson.extensions.serviceBus['autoCompleteMessages']).toBe(true);
  });
});
