/**
 * `npm run demo`: runs the whole local pipeline on free ports with every target it can reach (Cosmos DB copy, Blob
 * storage and a webhook receiver always; PostgreSQL and Redis when their local servers answer), writes a few thousand
 * sample documents (creates, updates, soft deletes), waits until every target has converged, prints a summary and
 * exits 0, or exits 1 naming what did not converge.
 */
import { TableClient } from '@azure/data-tables';
import { Command, InvalidArgumentError } from 'commander';
import { createLocalAdministrationClient } from '../local-stack/servicebus/admin/index.js';
import type { HostLogLine } from '../local-host/index.js';
import { countPoison } from '../shared/poison/count.js';
import { quantile } from '../shared/state/histogram.js';
import { readTargetStates } from '../shared/state/reader.js';
import { percentile, waitForConvergence } from './convergence.js';
import { runDemoOperations } from './demo-operations.js';
import { runWorkload } from './demo-workload.js';
import { targetsUnderTest } from './targets-under-test.js';
import { startLocalPipeline, type LocalPipeline } from './pipeline.js';
import { prepareSampleTargets } from './sample-targets.js';
import { waitForAll } from './target-convergence.js';
import { messageOf } from '../shared/errors.js';

function positiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1)
    throw new InvalidArgumentError(`expected a whole number >= 1, got "${value}"`);
  return number;
}

const log = (message: string) => console.error(`[demo] ${message}`);

async function main(): Promise<number> {
  const options = new Command('demo')
    .description('Sync sample documents through the local pipeline to every reachable target and report convergence.')
    .option('--documents <n>', 'documents to create', positiveInteger, 3000)
    .option('--timeout <seconds>', 'how long to wait for convergence', positiveInteger, 180)
    .option('--instances <n>', 'instances of the app (the others run in processes of their own)', positiveInteger, 1)
    .parse(process.argv)
    .opts<{ documents: number; timeout: number; instances: number }>();

  const extra = await prepareSampleTargets();
  for (const reason of extra.skipped) log(`skipping a target: ${reason}`);
  const problems: HostLogLine[] = [];
  log(`starting the local stack and ${options.instances} host instance(s) on free ports`);
  let pipeline: LocalPipeline;
  try {
    pipeline = await startLocalPipeline({
      instances: options.instances,
      log: (line) => {
        if (line['level'] === 'error') problems.push(line);
      },
      adjustSettings: async (settings) => ({
        ...settings,
        ...extra.settings,
        COSMOS_SYNC_TARGETS: JSON.stringify([
          ...(JSON.parse(settings['COSMOS_SYNC_TARGETS'] ?? '[]') as unknown[]),
          ...extra.targets,
        ]),
      }),
    });
  } catch (error) {
    await extra.close();
    throw error;
  }
  try {
    const source = pipeline.cosmos.database('shop').container('orders');
    const workload = await runWorkload(source, options.documents, log);
    log(
      `${workload.writes} writes done in ${((workload.finishedAt - workload.startedAt) / 1000).toFixed(1)} s; waiting for the targets`,
    );
    const copy = pipeline.cosmos.database('shop').container('orders-copy');
    await copy.database.containers.createIfNotExists({ id: 'orders-copy', partitionKey: { paths: ['/pk'] } });
    const expected = [...workload.expected.values()];
    const targets = targetsUnderTest(pipeline, extra);
    // The Cosmos copy is also watched through its change feed, which times every document's arrival exactly.
    const [copyFeed] = await Promise.all([
      waitForConvergence(copy, workload.expected, options.timeout * 1000, () => undefined),
      waitForAll(targets, expected, options.timeout * 1000, log),
    ]);
    const settings = pipeline.stack.settings;
    const poisonTable = TableClient.fromConnectionString(settings.STORAGE_CONNECTION_STRING, 'cosmossyncpoison', {
      allowInsecureConnection: true,
    });
    log('operations: one dead letter replayed to one target, then verify');
    const operations = await runDemoOperations({
      settings: pipeline.settings,
      source,
      webhook: extra.webhook,
      poisonTable,
      log,
      timeoutMs: options.timeout * 1000,
    });
    const admin = createLocalAdministrationClient(
      settings.SERVICEBUS_CONNECTION_STRING,
      settings.SERVICEBUS_ADMIN_ENDPOINT,
    );
    const stateTable = TableClient.fromConnectionString(settings.STORAGE_CONNECTION_STRING, 'cosmossyncstate', {
      allowInsecureConnection: true,
    });
    const states = new Map((await readTargetStates(stateTable)).map((state) => [state.target, state]));
    const lags = [...copyFeed.reachedAt].map(([id, at]) => at - (workload.expected.get(id)?.finalWriteAt ?? at));
    const lastConverged = Math.max(workload.finishedAt, ...targets.map((target) => target.convergedAt ?? 0));
    const seconds = (lastConverged - workload.startedAt) / 1000;
    let setAside = 0;
    const rows: string[] = [];
    for (const target of targets) {
      const counts = await admin.getSubscriptionRuntimeProperties('cosmos-sync-events', target.subscription);
      const poisoned = await countPoison(poisonTable, target.name);
      setAside += counts.deadLetterMessageCount + poisoned;
      const lag = states.get(target.name)?.lag;
      const p = (q: number) => (lag ? quantile(lag, q) : undefined);
      const fmt = (value: number | undefined) => (value === undefined ? 'n/a' : `${value.toFixed(1)} s`);
      const status = target.convergedAt
        ? `converged after ${((target.convergedAt - workload.startedAt) / 1000).toFixed(1)} s`
        : `NOT converged (${target.held ?? 0}/${expected.length})`;
      rows.push(
        `  ${target.name.padEnd(15)} ${status.padEnd(28)} lag p50 ${fmt(p(0.5))}, p99 ${fmt(p(0.99))}, dead-lettered ${counts.deadLetterMessageCount}, poisoned ${poisoned}`,
      );
    }
    const ms = (value: number | undefined) => (value === undefined ? 'n/a' : `${value} ms`);
    console.log(`
cosmos-sync demo summary
  documents        ${options.documents} (${workload.writes} writes: creates, updates, soft deletes)
  throughput       ${(workload.writes / seconds).toFixed(0)} writes/s end to end (${seconds.toFixed(1)} s from first write until every target converged)
  targets          lag from the source _ts to applied, from each target's recorded metrics (1 s resolution)
${rows.join('\n')}
  orders-copy lag  write -> visible in the target, measured per document: p50 ${ms(percentile(lags, 0.5))}, p99 ${ms(percentile(lags, 0.99))}
  operations       ${operations.lines.join('\n                   ')}
  skipped          ${extra.skipped.length === 0 ? 'none' : extra.skipped.join('; ')}
  host errors      ${problems.length}`);
    // Converging despite errors is still worth a look: show the first few either way.
    for (const line of problems.slice(0, 5)) console.error(JSON.stringify(line).slice(0, 1_000));
    if (operations.problems.length > 0) {
      console.error(`\noperations did not work: ${operations.problems.join('; ')}`);
      console.error(
        'next step: run the command by hand against `npm start` (README, "Operate it") and read its error.',
      );
      return 1;
    }
    const failed = targets.filter((target) => target.convergedAt === undefined);
    if (failed.length > 0) {
      console.error(`\nnot converged within ${options.timeout} s: ${failed.map((target) => target.name).join(', ')}`);
      console.error('next step: run `npm start` and watch its log, or raise --timeout on a slow machine.');
      return 1;
    }
    if (setAside > 0) {
      console.error(
        '\nsome messages were dead-lettered or set aside as poison; the demo workload should produce none.',
      );
      return 1;
    }
    return 0;
  } finally {
    await pipeline.close();
    await extra.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`demo failed: ${messageOf(error)}`);
    console.error('next step: run `npm run stack` to check the local stack starts, then try again.');
    process.exit(1);
  },
);
