/**
 * Starts the whole local pipeline: local stack, the sample source container, and the local host running the
 * function app from `functions/`. Shared by `npm start`, `npm run demo` and the end-to-end tests.
 */
import { CosmosClient } from '@azure/cosmos';
import { localCosmosClientOptions } from '../local-stack/cosmos/index.js';
import { startLocalStack, type LocalStack, type LocalStackOptions } from '../local-stack/stack.js';
import { startLocalHost, type HostLogLine, type LocalHost } from '../local-host/index.js';
import { FUNCTIONS_DIR, readHostJson, sampleAppSettings, type SampleOptions } from './sample-app.js';

export interface LocalPipeline {
  stack: LocalStack;
  host: LocalHost;
  settings: Record<string, string>;
  cosmos: CosmosClient;
  close(): Promise<void>;
}

export interface PipelineOptions {
  stack?: LocalStackOptions;
  sample?: SampleOptions;
  httpPort?: number;
  log?: (line: HostLogLine) => void;
  /** Changes to the app settings once the stack runs (tests point a connection through a proxy, for example). */
  adjustSettings?: (settings: Record<string, string>, stack: LocalStack) => Promise<Record<string, string>>;
  /** Runs once the source containers exist, before the functions start (benchmarks pre-fill the source here). */
  beforeHost?: (cosmos: CosmosClient) => Promise<void>;
}

/** The monitored container must exist before its trigger starts, as in Azure. */
async function ensureSourceContainer(cosmos: CosmosClient, settings: Record<string, string>): Promise<void> {
  const sources = JSON.parse(settings['COSMOS_SYNC_SOURCES'] ?? '[]') as {
    database: string;
    container: string;
    partitionKeyPaths: string[];
  }[];
  for (const source of sources) {
    const { database } = await cosmos.databases.createIfNotExists({ id: source.database });
    await database.containers.createIfNotExists({
      id: source.container,
      // TTL on, no default expiry: documents expire only when they carry a `ttl` (the soft-delete pattern).
      defaultTtl: -1,
      partitionKey: {
        paths: source.partitionKeyPaths,
        ...(source.partitionKeyPaths.length > 1 ? { kind: 'MultiHash' as never, version: 2 } : {}),
      },
    });
  }
}

export async function startLocalPipeline(options: PipelineOptions = {}): Promise<LocalPipeline> {
  const stack = await startLocalStack(options.stack);
  try {
    const sample = sampleAppSettings(stack.settings, options.sample);
    const settings = options.adjustSettings ? await options.adjustSettings(sample, stack) : sample;
    const cosmos = new CosmosClient(localCosmosClientOptions(stack.cosmos));
    await ensureSourceContainer(cosmos, settings);
    await options.beforeHost?.(cosmos);
    const host = await startLocalHost({
      directory: FUNCTIONS_DIR,
      settings,
      hostJson: readHostJson(),
      httpPort: options.httpPort ?? 0,
      ...(options.log ? { log: options.log } : {}),
    });
    let closing: Promise<void> | undefined;
    return {
      stack,
      host,
      settings,
      cosmos,
      close: () =>
        (closing ??= (async () => {
          try {
            await host.close();
          } finally {
            cosmos.dispose();
            await stack.close();
          }
        })()),
    };
  } catch (error) {
    await stack.close();
    throw error;
  }
}
