/**
 * The embedded local default: app settings that point the function app at a running local stack, with one sample
 * source (shop/orders) and one Cosmos DB target (shop/orders-copy). `npm start`, `npm run demo` and the end-to-end
 * tests all run this same configuration.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { LocalStackSettings } from '../local-stack/stack.js';

export const PROJECT_ROOT = fileURLToPath(new URL('..', import.meta.url));
export const FUNCTIONS_DIR = fileURLToPath(new URL('../functions/', import.meta.url));

export interface SampleOptions {
  database?: string;
  sourceContainer?: string;
  targetContainer?: string;
  /** Subscription of the sample Cosmos target in the broker's config. */
  subscription?: string;
  feedPollDelayMs?: number;
  metricsSchedule?: string;
  /** false turns metrics recording off (COSMOS_SYNC_METRICS_ENABLED); the benchmark compares both. */
  metricsEnabled?: boolean;
  changeFeedMode?: 'LatestVersion' | 'AllVersionsAndDeletes';
}

export function sampleAppSettings(stack: LocalStackSettings, options: SampleOptions = {}): Record<string, string> {
  const database = options.database ?? 'shop';
  const mode = options.changeFeedMode ?? 'LatestVersion';
  const source = {
    name: 'orders',
    database,
    container: options.sourceContainer ?? 'orders',
    partitionKeyPaths: ['/customerId'],
    changeFeedMode: mode,
    startFrom: mode === 'AllVersionsAndDeletes' ? 'now' : 'beginning',
    feedPollDelayMs: options.feedPollDelayMs ?? 200,
    typeField: 'type',
  };
  const target = {
    name: 'orders-copy',
    type: 'cosmos',
    subscription: options.subscription ?? 'cosmos-target',
    database,
    container: options.targetContainer ?? 'orders-copy',
    partitionKeyPath: '/pk',
    createIfNotExists: true,
  };
  return {
    FUNCTIONS_WORKER_RUNTIME: 'node',
    AzureWebJobsStorage: stack.STORAGE_CONNECTION_STRING,
    CosmosSource: stack.COSMOS_CONNECTION_STRING,
    CosmosTarget: stack.COSMOS_CONNECTION_STRING,
    ServiceBus: stack.SERVICEBUS_CONNECTION_STRING,
    // The local broker answers the management API (subscription backlogs) on its own http port.
    ServiceBus__adminEndpoint: stack.SERVICEBUS_ADMIN_ENDPOINT,
    COSMOS_SYNC_SOURCES: JSON.stringify([source]),
    COSMOS_SYNC_TARGETS: JSON.stringify([target]),
    COSMOS_SYNC_METRICS_SCHEDULE: options.metricsSchedule ?? '*/10 * * * * *',
    COSMOS_SYNC_METRICS_ENABLED: String(options.metricsEnabled ?? true),
    COSMOS_SYNC_SESSION_BUCKETS: '16',
  };
}

export function readHostJson(): unknown {
  return JSON.parse(readFileSync(new URL('../host.json', import.meta.url), 'utf8')) as unknown;
}
