/**
 * Starts the whole local pipeline: local stack, the sample source container, and the local host running the
 * function app from `functions/`. Shared by `npm start`, `npm run demo` and the end-to-end tests.
 */
import { CosmosClient } from '@azure/cosmos';
import { localCosmosClientOptions } from '../local-stack/cosmos/index.js';
import {
  startLocalStack,
  type LocalStack,
  type LocalStackOptions,
  type LocalStackSettings,
} from '../local-stack/stack.js';
import { startLocalHost, type HostLogLine, type LocalHost } from '../local-host/index.js';
import { startInstances, type LocalInstances } from '../local-host/instances.js';
import { FUNCTIONS_DIR, readHostJson, sampleAppSettings, type SampleOptions } from './sample-app.js';

/** A stack someone else runs (another process, for benchmarks): only its settings are known here. */
export interface ExternalStack {
  settings: LocalStackSettings;
}

/** `stack` is the in-process stack, or only the settings of an external one (`externalStack`). */
export interface LocalPipeline<Stack extends ExternalStack = LocalStack> {
  stack: Stack;
  host: LocalHost;
  /** The instances beyond the in-process host (`instances` above 1), each a process of its own. */
  extraInstances: LocalInstances | undefined;
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
  /**
   * Instances of the app: the in-process host plus `instances - 1` processes of their own, which share the stack as
   * Azure's instances share the namespace and the leases. Default: `COSMOS_SYNC_LOCAL_INSTANCES`, else 1.
   */
  instances?: number;
  /** Function files to run instead of `functions/` (benchmarks compare designs this way). */
  files?: string[];
  /** host.json to run with instead of the project's. */
  hostJson?: unknown;
}

/** The instance count from the options or `COSMOS_SYNC_LOCAL_INSTANCES`; a bad value is an error naming it. */
export function instanceCount(requested: number | undefined, env = process.env): number {
  const text = env['COSMOS_SYNC_LOCAL_INSTANCES'];
  const count = requested ?? (text === undefined || text === '' ? 1 : Number(text));
  if (!Number.isInteger(count) || count < 1 || count > 16) {
    throw new RangeError(`instances: expected a whole number from 1 to 16, got ${requested ?? JSON.stringify(text)}`);
  }
  return count;
}

/**
 * Runs the host against a stack that is already running elsewhere; closing the pipeline leaves that stack alone.
 * No `stack` options or `adjustSettings`: those need the in-process stack's parts.
 */
export interface ExternalStackPipelineOptions extends Omit<PipelineOptions, 'stack' | 'adjustSettings'> {
  externalStack: LocalStackSettings;
}

/** The monitored container must exist before its trigger starts, as in Azure. */
/** Creates the source containers the settings name, as a deployment has them before the trigger starts. */
export async function ensureSourceContainer(cosmos: CosmosClient, settings: Record<string, string>): Promise<void> {
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

export function startLocalPipeline(options?: PipelineOptions): Promise<LocalPipeline>;
export function startLocalPipeline(options: ExternalStackPipelineOptions): Promise<LocalPipeline<ExternalStack>>;
export async function startLocalPipeline(
  options: PipelineOptions | ExternalStackPipelineOptions = {},
): Promise<LocalPipeline<ExternalStack>> {
  if ('externalStack' in options) {
    return startOnStack(
      { settings: options.externalStack },
      options,
      async () => {},
      (sample) => sample,
    );
  }
  const stack = await startLocalStack(options.stack);
  const { adjustSettings } = options;
  return startOnStack(
    stack,
    options,
    () => stack.close(),
    adjustSettings ? (sample) => adjustSettings(sample, stack) : (sample) => sample,
  );
}

/** The common part: app settings, source containers and host on a running stack; `closeStack` runs last on close. */
async function startOnStack<Stack extends ExternalStack>(
  stack: Stack,
  options: Omit<PipelineOptions, 'stack' | 'adjustSettings'>,
  closeStack: () => Promise<void>,
  adjust: (settings: Record<string, string>) => Record<string, string> | Promise<Record<string, string>>,
): Promise<LocalPipeline<Stack>> {
  try {
    const settings = await adjust(sampleAppSettings(stack.settings, options.sample));
    const cosmos = new CosmosClient(
      localCosmosClientOptions({ endpoint: stack.settings.COSMOS_ENDPOINT, key: stack.settings.COSMOS_KEY }),
    );
    await ensureSourceContainer(cosmos, settings);
    await options.beforeHost?.(cosmos);
    const count = instanceCount(options.instances);
    const functions = options.files ? { files: options.files } : { directory: FUNCTIONS_DIR };
    const hostJson = options.hostJson ?? readHostJson();
    const host = await startLocalHost({
      ...functions,
      settings,
      hostJson,
      httpPort: options.httpPort ?? 0,
      ...(options.log ? { log: options.log } : {}),
    });
    const log = options.log ?? (() => undefined);
    const extraInstances =
      count > 1
        ? await startInstances(count - 1, {
            ...functions,
            settings,
            hostJson,
            httpPort: 0,
            // Numbered after the in-process host, which is instance 1.
            log: (line) => log({ ...line, instance: Number(line['instance']) + 1 }),
          }).catch(async (error: unknown) => {
            await host.close();
            throw error;
          })
        : undefined;
    let closing: Promise<void> | undefined;
    return {
      stack,
      host,
      extraInstances,
      settings,
      cosmos,
      close: () =>
        (closing ??= (async () => {
          try {
            await extraInstances?.close();
            await host.close();
          } finally {
            cosmos.dispose();
            await closeStack();
          }
        })()),
    };
  } catch (error) {
    await closeStack();
    throw error;
  }
}
