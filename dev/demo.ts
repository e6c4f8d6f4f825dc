/**
 * `npm run demo`: runs the whole local pipeline on free ports, writes a few thousand sample documents (creates,
 * updates, soft deletes), waits until the target has converged, prints a summary and exits 0 — or exits 1 naming what
 * did not converge.
 */
import { Command, InvalidArgumentError } from 'commander';
import { createLocalAdministrationClient } from '../local-stack/servicebus/admin/index.js';
import type { HostLogLine } from '../local-host/index.js';
import { percentile, waitForConvergence } from './convergence.js';
import { runWorkload } from './demo-workload.js';
import { startLocalPipeline } from './pipeline.js';

function positiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1)
    throw new InvalidArgumentError(`expected a whole number >= 1, got "${value}"`);
  return number;
}

const log = (message: string) => console.error(`[demo] ${message}`);

async function main(): Promise<number> {
  const options = new Command('demo')
    .description('Sync sample documents through the local pipeline and report convergence.')
    .option('--documents <n>', 'documents to create', positiveInteger, 3000)
    .option('--timeout <seconds>', 'how long to wait for convergence', positiveInteger, 180)
    .parse(process.argv)
    .opts<{ documents: number; timeout: number }>();

  const problems: HostLogLine[] = [];
  log('starting the local stack and host on free ports');
  const pipeline = await startLocalPipeline({
    log: (line) => {
      if (line['level'] === 'error') problems.push(line);
    },
  });
  try {
    const source = pipeline.cosmos.database('shop').container('orders');
    const workload = await runWorkload(source, options.documents, log);
    log(
      `${workload.writes} writes done in ${((workload.finishedAt - workload.startedAt) / 1000).toFixed(1)} s; waiting for the target`,
    );
    const target = pipeline.cosmos.database('shop').container('orders-copy');
    await target.database.containers.createIfNotExists({ id: 'orders-copy', partitionKey: { paths: ['/pk'] } });
    const result = await waitForConvergence(target, workload.expected, options.timeout * 1000, (done, total) =>
      log(`target orders-copy: ${done}/${total} documents converged`),
    );
    const admin = createLocalAdministrationClient(
      pipeline.stack.settings.SERVICEBUS_CONNECTION_STRING,
      pipeline.stack.settings.SERVICEBUS_ADMIN_ENDPOINT,
    );
    const subscription = await admin.getSubscriptionRuntimeProperties('cosmos-sync-events', 'cosmos-target');
    const lags = [...result.reachedAt].map(([id, at]) => at - (workload.expected.get(id)?.finalWriteAt ?? at));
    const lastReached = Math.max(...result.reachedAt.values(), workload.finishedAt);
    const seconds = (lastReached - workload.startedAt) / 1000;
    const fmt = (ms: number | undefined) => (ms === undefined ? 'n/a' : `${ms} ms`);
    console.log(`
cosmos-sync demo summary
  documents            ${options.documents} (${workload.writes} writes: creates, updates, soft deletes)
  target orders-copy   ${result.converged ? 'converged' : 'NOT converged'} (${result.reachedAt.size}/${workload.expected.size} documents)
  throughput           ${(workload.writes / seconds).toFixed(0)} writes/s end to end (${seconds.toFixed(1)} s from first write to converged)
  lag (write -> target) p50 ${fmt(percentile(lags, 0.5))}, p99 ${fmt(percentile(lags, 0.99))}
  dead-lettered        ${subscription.deadLetterMessageCount}
  host errors logged   ${problems.length}`);
    if (!result.converged) {
      console.error(
        `\ntarget orders-copy did not converge within ${options.timeout} s; first missing: ${result.missing.slice(0, 5).join(', ')}`,
      );
      for (const line of problems.slice(0, 5)) console.error(JSON.stringify(line));
      console.error('next step: run `npm start` and watch its log, or raise --timeout on a slow machine.');
      return 1;
    }
    if (subscription.deadLetterMessageCount > 0) {
      console.error('\nsome messages were dead-lettered; the demo workload should produce none.');
      return 1;
    }
    return 0;
  } finally {
    await pipeline.close();
  }
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
    console.error('next step: run `npm run stack` to check the local stack starts, then try again.');
    process.exit(1);
  },
);
