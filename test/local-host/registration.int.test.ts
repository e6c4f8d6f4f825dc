/** The @azure/functions-core shim: what `app.*` registrations look like to the host, and how loading checks them. */
import { describe, expect, it } from 'vitest';
import { startLocalHost } from '../../local-host/index.js';
import { loadFunctionApp } from '../../local-host/load-app.js';
import { recorder } from '../fixtures/local-host/recorder.js';
import { fixture } from './helpers.js';

describe('registering functions through the @azure/functions-core shim', () => {
  it('records each function with its metadata, retry options and the app own handler', async () => {
    const app = await loadFunctionApp({
      files: [fixture('registration-app.ts')],
      settings: { LH_AT_IMPORT: 'set before import' },
    });
    try {
      expect(process.env['LH_AT_IMPORT']).toBe('set before import');
      expect(recorder.noted('LH_AT_IMPORT')).toBe('set before import');
      expect(app.registrations.map((registration) => registration.name)).toEqual([
        'regCosmos',
        'regServiceBus',
        'regTimer',
        'regHttp',
      ]);
      const [cosmos, serviceBus, timer, http] = app.registrations;
      const triggerOf = (bindings: Record<string, { type: string }> | undefined) =>
        Object.values(bindings ?? {}).find((binding) => binding.type.endsWith('Trigger'));

      // The fixture is imported only now: importing it before the host installs its shim would defeat it.
      const { onChanges } = await import('../fixtures/local-host/registration-app.js');
      expect(cosmos?.handler).toBe(onChanges);
      expect(cosmos?.source).toBe(fixture('registration-app.ts'));
      expect(triggerOf(cosmos?.metadata.bindings)).toMatchObject({
        type: 'cosmosDBTrigger',
        direction: 'in',
        connection: 'RegCosmos',
        databaseName: 'shop',
        containerName: 'orders',
        leaseContainerName: 'leases',
        leaseContainerPrefix: 'orders-',
        createLeaseContainerIfNotExists: true,
        feedPollDelay: 250,
        maxItemsPerInvocation: 50,
        startFromBeginning: true,
      });
      // @azure/functions sends retry intervals as whole seconds.
      expect(cosmos?.metadata.retryOptions).toMatchObject({
        strategy: 'exponentialBackoff',
        retryStrategy: 'exponentialBackoff',
        maxRetryCount: 5,
        minimumInterval: { seconds: 1 },
        maximumInterval: { seconds: 30 },
      });
      expect(triggerOf(serviceBus?.metadata.bindings)).toMatchObject({
        type: 'serviceBusTrigger',
        connection: 'RegServiceBus',
        topicName: 'events',
        subscriptionName: 'target',
        isSessionsEnabled: true,
        cardinality: 'many',
        sdkBinding: true,
        autoCompleteMessages: false,
        properties: { supportsDeferredBinding: 'true' },
      });
      expect(triggerOf(timer?.metadata.bindings)).toMatchObject({
        type: 'timerTrigger',
        schedule: '0 */1 * * * *',
        runOnStartup: false,
      });
      expect(http?.metadata.bindings).toMatchObject({
        $return: { type: 'http', direction: 'out' },
      });
      expect(triggerOf(http?.metadata.bindings)).toMatchObject({
        type: 'httpTrigger',
        methods: ['GET', 'PUT'],
        route: 'orders/{id}',
        authLevel: 'function',
      });

      // A second load in the same process reuses what the file registered (its top-level code runs once).
      const again = await loadFunctionApp({ files: [fixture('registration-app.ts')], settings: {} });
      expect(again.registrations).toEqual(app.registrations);
    } finally {
      app.restoreSettings();
    }
    expect(process.env['LH_AT_IMPORT']).toBeUndefined();
  });

  it('refuses two functions with one name, naming both registrations', async () => {
    await expect(
      loadFunctionApp({ files: [fixture('duplicate-a.ts'), fixture('duplicate-b.ts')], settings: {} }),
    ).rejects.toThrow(
      /"SameName" is registered twice: by \S*duplicate-a\.ts \(httpTrigger\) and by \S*duplicate-b\.ts \(timerTrigger\)/,
    );
  });

  it('refuses to start functions of trigger kinds it does not run', async () => {
    await expect(
      startLocalHost({ files: [fixture('unsupported.ts')], settings: {}, log: () => undefined }),
    ).rejects.toThrow(/"queueFunction": the local host does not run queueTrigger functions/);
  });

  it('refuses a Service Bus function with the SDK binding, saying why', async () => {
    await expect(
      startLocalHost({
        files: [fixture('servicebus-sdk-binding.ts')],
        settings: {
          LH_SERVICEBUS:
            'Endpoint=sb://127.0.0.1:1;SharedAccessKeyName=k;SharedAccessKey=v;UseDevelopmentEmulator=true;',
        },
        log: () => undefined,
      }),
    ).rejects.toThrow(/"sdkBound": sdkBinding is not supported by the local host.*delivery count and enqueue time/);
  });
});
