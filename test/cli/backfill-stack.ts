/**
 * Shared by the backfill and verify tests: the local pipeline (stack + local host running the app) with extra Cosmos
 * DB targets, each on a subscription of its own whose rule is the deployed one (live events plus replays addressed to
 * it), a way to run the CLI in-process against it, and a comparison of a target container with the source.
 */
import { readFileSync } from 'node:fs';
import type { Container, CosmosClient } from '@azure/cosmos';
import { startLocalPipeline, type LocalPipeline } from '../../dev/pipeline.js';
import { runCli, type CliIo } from '../../cli/program.js';
import { subscriptionFilterFor } from '../../shared/events/replay.js';

interface Subscription {
  Name: string;
  Properties: Record<string, unknown>;
  Rules: unknown[];
}
interface BrokerConfig {
  UserConfig: { Namespaces: { Topics: { Name: string; Subscriptions: Subscription[] }[] }[] };
}

/** A target beside the sample one: a Cosmos DB container by default, or any target entry (`config`). */
export interface ExtraTarget {
  name: string;
  subscription: string;
  container?: string;
  config?: Record<string, unknown>;
}

/** The project's broker config, every subscription with its deployed rule, plus any an extra target needs. */
function brokerConfig(extra: readonly ExtraTarget[]): BrokerConfig {
  const config = JSON.parse(
    readFileSync(new URL('../../local-stack/servicebus/servicebus.config.json', import.meta.url), 'utf8'),
  ) as BrokerConfig;
  const topic = config.UserConfig.Namespaces[0]?.Topics.find((candidate) => candidate.Name === 'cosmos-sync-events');
  const template = topic?.Subscriptions.find((subscription) => subscription.Name === 'cosmos-target');
  if (!topic || !template) throw new Error('the default broker config has no cosmos-sync-events/cosmos-target');
  const known = new Set(topic.Subscriptions.map((subscription) => subscription.Name));
  for (const target of extra) {
    if (!known.has(target.subscription)) topic.Subscriptions.push({ ...template, Name: target.subscription });
  }
  for (const subscription of topic.Subscriptions) {
    const rule = { FilterType: 'Sql', SqlFilter: { SqlExpression: subscriptionFilterFor(subscription.Name) } };
    subscription.Rules = [{ Name: 'live-and-own-replays', Properties: rule }];
  }
  return config;
}

export interface OpsPipelineOptions {
  targets: readonly ExtraTarget[];
  /** `now`: the app never publishes what `beforeHost` wrote, so only a backfill can bring it to a target. */
  startFrom?: 'beginning' | 'now';
  beforeHost?: (cosmos: CosmosClient) => Promise<void>;
  /** Extra app settings (a target's connection string). */
  settings?: Record<string, string>;
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  signal?: AbortSignal;
  /** Called with each chunk written to stderr (progress lines are redrawn per page on a terminal). */
  onStderr?: (text: string) => void;
}

export interface OpsPipeline {
  pipeline: LocalPipeline;
  /** Error lines the app logged: a test ends by expecting none. */
  hostErrors: unknown[];
  source(): Container;
  container(name: string): Container;
  run(args: readonly string[], options?: RunOptions): Promise<CliRun>;
  close(): Promise<void>;
}

export async function startOpsPipeline(options: OpsPipelineOptions): Promise<OpsPipeline> {
  const hostErrors: unknown[] = [];
  const pipeline = await startLocalPipeline({
    log: (line) => {
      if (line['level'] === 'error') hostErrors.push(line);
    },
    stack: { serviceBusConfig: brokerConfig(options.targets) },
    adjustSettings: async (settings) => {
      const sources = JSON.parse(settings['COSMOS_SYNC_SOURCES'] ?? '[]') as Record<string, unknown>[];
      const targets = JSON.parse(settings['COSMOS_SYNC_TARGETS'] ?? '[]') as Record<string, unknown>[];
      for (const extra of options.targets) {
        const cosmos = { type: 'cosmos', database: 'shop', container: extra.container ?? extra.name };
        targets.push({
          name: extra.name,
          subscription: extra.subscription,
          ...(extra.config ?? { ...cosmos, partitionKeyPath: '/pk', createIfNotExists: true }),
        });
      }
      const startFrom = options.startFrom ?? 'beginning';
      return {
        ...settings,
        ...options.settings,
        COSMOS_SYNC_SOURCES: JSON.stringify(sources.map((source) => ({ ...source, startFrom }))),
        COSMOS_SYNC_TARGETS: JSON.stringify(targets),
      };
    },
    ...(options.beforeHost ? { beforeHost: options.beforeHost } : {}),
  });
  const database = () => pipeline.cosmos.database('shop');
  return {
    pipeline,
    hostErrors,
    source: () => database().container('orders'),
    container: (name) => database().container(name),
    run: async (args, runOptions = {}) => {
      let stdout = '';
      let stderr = '';
      const io: CliIo = {
        stdout: { write: (text: string) => (stdout += text), isTTY: false },
        // A terminal: the progress line is redrawn on every page, which tests use to act mid-run.
        stderr: {
          write: (text: string) => {
            stderr += text;
            runOptions.onStderr?.(text);
          },
          isTTY: true,
          columns: 200,
        },
        env: pipeline.settings,
        ...(runOptions.signal ? { signal: runOptions.signal } : {}),
      };
      const code = await runCli(args, io);
      return { code, stdout, stderr };
    },
    close: () => pipeline.close(),
  };
}

export interface SourceDoc {
  id: string;
  customerId: string;
  revision?: number;
  _deleted?: boolean;
}
interface TargetDoc {
  id: string;
  pk: string;
  revision?: number;
  _sync: { deleted: boolean; lsn: number };
}

export async function readAll<T>(container: Container): Promise<T[]> {
  try {
    const { resources } = await container.items.query<T>('SELECT * FROM c').fetchAll();
    return resources;
  } catch (error) {
    // A target container is created by its subscriber on the first batch.
    if ((error as { code?: unknown }).code === 404) return [];
    throw error;
  }
}

/**
 * Every way the target differs from the source, as readable lines (empty when equal): a live source document must be
 * held live at its revision; a soft-deleted one must be absent or a tombstone; the target holds nothing else live.
 */
export async function differences(source: Container, target: Container): Promise<string[]> {
  const [documents, held] = await Promise.all([readAll<SourceDoc>(source), readAll<TargetDoc>(target)]);
  const byKey = new Map(held.map((doc) => [`${doc.pk}/${doc.id}`, doc]));
  const found: string[] = [];
  for (const doc of documents) {
    const key = `${doc.customerId}/${doc.id}`;
    const copy = byKey.get(key);
    byKey.delete(key);
    if (doc._deleted === true) {
      if (copy && !copy._sync.deleted) found.push(`${key}: deleted in the source, live in the target`);
    } else if (!copy || copy._sync.deleted) found.push(`${key}: missing`);
    else if (copy.revision !== doc.revision) found.push(`${key}: revision ${copy.revision} instead of ${doc.revision}`);
  }
  for (const [key, copy] of byKey) if (!copy._sync.deleted) found.push(`${key}: extra`);
  return found;
}

export async function heldKeys(target: Container): Promise<Set<string>> {
  return new Set((await readAll<TargetDoc>(target)).map((doc) => `${doc.pk}/${doc.id}`));
}
