/**
 * `npm run bench [-- <suite>...]`: runs benchmark suites and prints ratios against baselines measured in the same run
 * (never absolute thresholds: these machines are shared and noisy). Suites: stack, publish, pipeline, lag, metrics,
 * targets, partitions; default all.
 */
import { benchChangeFeed } from './change-feed.js';
import { benchPipeline } from './pipeline.js';
import { benchPublishCost } from './publish-cost.js';

const suites: Record<string, () => Promise<void>> = {
  stack: async () => {
    await benchChangeFeed();
    const { benchBroker } = await import('./servicebus-broker.js');
    await benchBroker();
  },
  publish: async () => {
    await benchPublishCost();
  },
  pipeline: async () => {
    await benchPipeline();
  },
  lag: async () => {
    const { benchLag } = await import('./lag.js');
    await benchLag();
  },
  metrics: async () => {
    const { benchMetricsOverhead } = await import('./metrics-overhead.js');
    await benchMetricsOverhead();
  },
  targets: async () => {
    const { benchPostgres, benchRedis } = await import('./targets-postgres-redis.js');
    await benchPostgres();
    await benchRedis();
    const { benchBlobWebhookTargets } = await import('./targets-blob-webhook.js');
    await benchBlobWebhookTargets();
  },
  partitions: async () => {
    const { benchPartitions } = await import('./partitions.js');
    await benchPartitions();
  },
};

async function main(): Promise<void> {
  const requested = process.argv.slice(2).filter((arg) => arg !== '--');
  const names = requested.length > 0 ? requested : Object.keys(suites);
  const unknown = names.filter((name) => !(name in suites));
  if (unknown.length > 0) {
    console.error(`unknown benchmark suite(s): ${unknown.join(', ')}; choose from: ${Object.keys(suites).join(', ')}`);
    process.exit(2);
  }
  for (const name of names) await (suites[name] as () => Promise<void>)();
}

main().catch((error: unknown) => {
  console.error('benchmark failed:', error);
  process.exit(1);
});
