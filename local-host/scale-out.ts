/**
 * Runs the app as several instances: a fixed number, or between 1 and a cap following the Service Bus target-based
 * scaling rule (scaling.ts). The parent loads the function files once to learn the app's Service Bus triggers; the
 * instances themselves are processes of their own (instances.ts). Backlogs are read through the management API: the
 * local broker's (`<connection>__adminEndpoint`, as the app's settings name it) or the namespace's.
 */
import { ServiceBusAdministrationClient } from '@azure/service-bus';
import { createLocalAdministrationClient } from '../local-stack/servicebus/admin/client.js';
import { readHostSettings } from './host-json.js';
import { startInstances, type InstancesOptions, type LocalInstances } from './instances.js';
import { loadFunctionApp } from './load-app.js';
import { createHostLogger } from './log.js';
import { parseServiceBusTriggerOptions } from './servicebus/options.js';
import { connectionString } from './settings.js';
import { runAutoscale, type ScaledTrigger } from './scaling.js';
import { triggerOf } from './trigger-binding.js';

export interface ScaleOutOptions extends InstancesOptions {
  /** Fixed number of instances; ignored with `autoscaleMax`. */
  instances?: number;
  /** Scale between 1 and this many instances by the target-based rule. */
  autoscaleMax?: number;
  /** How often the autoscaler reads the backlog; default 5 s. */
  autoscaleIntervalMs?: number;
}

export interface ScaledOutApp {
  instances: LocalInstances;
  close(): Promise<void>;
}

async function serviceBusTriggers(options: ScaleOutOptions): Promise<{ trigger: ScaledTrigger; connection: string }[]> {
  const app = await loadFunctionApp({
    ...(options.files ? { files: options.files } : {}),
    ...(options.directory !== undefined ? { directory: options.directory } : {}),
    settings: options.settings,
  });
  try {
    const host = readHostSettings(options.hostJson);
    return app.registrations.flatMap((registration) => {
      const { name, binding } = triggerOf(registration.metadata);
      if (binding.type.toLowerCase() !== 'servicebustrigger') return [];
      const parsed = parseServiceBusTriggerOptions(name, binding, process.env, host, `function "${registration.name}"`);
      return [
        {
          trigger: {
            functionName: registration.name,
            entityPath: parsed.entityPath,
            many: parsed.many,
            sessions: parsed.sessions,
          },
          connection: parsed.connection,
        },
      ];
    });
  } finally {
    app.restoreSettings();
  }
}

function adminClientFor(settings: Record<string, string>, connection: string): ServiceBusAdministrationClient {
  const value = connectionString(settings, connection, 'fullyQualifiedNamespace', 'autoscale');
  const adminEndpoint = settings[`${connection}__adminEndpoint`];
  return adminEndpoint
    ? createLocalAdministrationClient(value, adminEndpoint)
    : new ServiceBusAdministrationClient(value);
}

async function activeCount(admin: ServiceBusAdministrationClient, entityPath: string): Promise<number> {
  const [topic, subscription] = entityPath.split('/Subscriptions/');
  const properties =
    subscription === undefined
      ? await admin.getQueueRuntimeProperties(entityPath)
      : await admin.getSubscriptionRuntimeProperties(topic as string, subscription);
  return properties.activeMessageCount;
}

export async function startScaledOut(options: ScaleOutOptions): Promise<ScaledOutApp> {
  const autoscaleMax = options.autoscaleMax;
  const instances = await startInstances(autoscaleMax === undefined ? (options.instances ?? 1) : 1, options);
  if (autoscaleMax === undefined) return { instances, close: () => instances.close() };
  const triggers = await serviceBusTriggers(options);
  const controller = new AbortController();
  const log = createHostLogger(options.log, { component: 'autoscale' });
  const admins = new Map(
    triggers.map(({ trigger, connection }) => [trigger.entityPath, adminClientFor(options.settings, connection)]),
  );
  const scaling = runAutoscale({
    triggers: triggers.map(({ trigger }) => trigger),
    host: readHostSettings(options.hostJson),
    max: autoscaleMax,
    intervalMs: options.autoscaleIntervalMs ?? 5_000,
    readActive: async (paths) =>
      new Map(
        await Promise.all(
          paths.map(
            async (path) =>
              [path, await activeCount(admins.get(path) as ServiceBusAdministrationClient, path)] as const,
          ),
        ),
      ),
    count: () => instances.instances.length,
    add: async () => {
      await instances.add();
    },
    removeOne: async () => {
      const last = instances.instances.at(-1);
      if (last && instances.instances.length > 1) await instances.stop(last, 'SIGTERM');
    },
    log,
    signal: controller.signal,
  });
  return {
    instances,
    close: async () => {
      controller.abort();
      await scaling;
      await instances.close();
    },
  };
}
