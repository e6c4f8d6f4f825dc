/**
 * What metrics recording costs the pipeline: the real end-to-end pipeline (bench/pipeline.ts) with
 * COSMOS_SYNC_METRICS_ENABLED=true against the same with false, in one run. On, every subscriber batch aggregates its
 * latency histograms and writes one state row, and the metrics timer runs every second (the default is once a
 * minute, so this is an upper bound): estimator, backlog, one row per source and target, log lines, telemetry.
 *
 * Runs alternate in ABBA order (off/on, on/off, ...), each in its own process on a fresh stack, so drift in the
 * machine's load falls on both sides alike; the verdict uses the medians. Each "on" run must show timer runs, each
 * "off" run none, and no run an error line; otherwise the comparison would not measure what it claims and the
 * benchmark fails.
 */
import { LAYOUT_TITLES, layoutFromEnv, runInChild, throughput, type Layout, type Run } from './pipeline-runs.js';
import { median, printRows, progress } from './support.js';

/** At most this much slower with metrics on (issue "Lag and error metrics"). */
const MAX_OVERHEAD = 0.05;

function checkRuns(runs: readonly Run[]): void {
  const problems: string[] = [];
  for (const [index, run] of runs.entries()) {
    if (run.metricsOn && run.timerRuns === 0) problems.push(`run ${index + 1} (on): the metrics timer never ran`);
    if (!run.metricsOn && run.timerRuns > 0) problems.push(`run ${index + 1} (off): the metrics timer ran`);
    if (run.errorLines > 0) problems.push(`run ${index + 1}: ${run.errorLines} error log lines`);
  }
  if (problems.length > 0) {
    throw new Error(`metrics benchmark is not comparing like with like: ${problems.join('; ')}`);
  }
}

export async function benchMetricsOverhead(
  count = Number(process.env['BENCH_METRICS_DOCS'] ?? 30_000),
  rounds = Number(process.env['BENCH_METRICS_ROUNDS'] ?? 2),
  layout: Layout = layoutFromEnv(),
): Promise<{ overhead: number }> {
  if (!Number.isInteger(count) || count < 1000) throw new RangeError('BENCH_METRICS_DOCS: expected an integer >= 1000');
  if (!Number.isInteger(rounds) || rounds < 1) throw new RangeError('BENCH_METRICS_ROUNDS: expected an integer >= 1');
  const runs: Run[] = [];
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? [false, true] : [true, false];
    for (const metricsOn of order) {
      progress(`metrics ${metricsOn ? 'on' : 'off'}: round ${round + 1}/${rounds}, ${count} documents`);
      runs.push(await runInChild(['real', String(count), metricsOn ? 'metrics-on' : 'metrics-off'], layout));
    }
  }
  checkRuns(runs);
  const side = (on: boolean) => runs.filter((run) => run.metricsOn === on);
  const on = side(true);
  const off = side(false);
  const onRate = median(on.map(throughput));
  const offRate = median(off.map(throughput));
  const overhead = 1 - onRate / offRate;
  const ms = (value: number | undefined) => (value === undefined ? 'n/a' : Math.round(value));
  printRows(
    `Metrics recording on vs off, real pipeline, ${count} documents, ${rounds} rounds in ABBA order, each run in a process of its own (${LAYOUT_TITLES[layout]})`,
    runs.map((run, index) => ({
      run: index + 1,
      metrics: run.metricsOn ? 'on' : 'off',
      'docs/s': throughput(run),
      'catch-up s': run.catchUpSeconds,
      'lag p50 ms': ms(run.lagP50Ms),
      'lag p99 ms': ms(run.lagP99Ms),
      'cpu µs/doc': run.pipelineCpuMicros,
      'stack µs/doc': run.stackCpuMicros ?? 'in process',
      'timer runs': run.timerRuns,
    })),
  );
  printRows('Medians', [
    { metrics: 'off', 'docs/s': offRate, 'catch-up s': median(off.map((run) => run.catchUpSeconds)), 'x off': 1 },
    {
      metrics: 'on',
      'docs/s': onRate,
      'catch-up s': median(on.map((run) => run.catchUpSeconds)),
      'x off': onRate / offRate,
    },
  ]);
  const percent = (overhead * 100).toFixed(1);
  console.log(
    `target: metrics add at most ${MAX_OVERHEAD * 100}% -> ${overhead <= MAX_OVERHEAD ? 'met' : 'NOT met'} (${percent}% slower with metrics on; negative: faster)`,
  );
  return { overhead };
}
