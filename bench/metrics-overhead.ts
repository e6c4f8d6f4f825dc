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
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { LAYOUT_TITLES, MIN_RATE_WINDOW_SECONDS, layoutFromEnv, type Layout, type Run } from './pipeline.js';
import { median, printRows, progress } from './support.js';

/** Every second: far more often than a deployment would record, so the overhead measured is an upper bound. */
export const BENCH_METRICS_SCHEDULE = '* * * * * *';
/** At most this much slower with metrics on (issue "Lag and error metrics"). */
const MAX_OVERHEAD = 0.05;
/** The line bench/metrics-run.ts ends its stdout with. */
export const RESULT_PREFIX = 'result=';

export interface MetricsRun extends Run {
  metricsOn: boolean;
  timerRuns: number;
  errorLines: number;
}

/**
 * Each run in a child process (bench/metrics-run.ts): the app's function files read their settings once per process,
 * so two hosts with different settings cannot share one. The child's progress passes through on stderr.
 */
async function runOnce(count: number, layout: Layout, metricsOn: boolean): Promise<MetricsRun> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', 'bench/metrics-run.ts', String(count), metricsOn ? 'on' : 'off'],
    { stdio: ['ignore', 'pipe', 'inherit'], env: { ...process.env, BENCH_STACK: layout } },
  );
  let stdout = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
  const resultLine = stdout.split('\n').find((line) => line.startsWith(RESULT_PREFIX));
  if (code !== 0 || resultLine === undefined) {
    throw new Error(
      `metrics benchmark run (metrics ${metricsOn ? 'on' : 'off'}) failed: exit ${code ?? signal}; its errors are ` +
        `above. Run it alone with: npx tsx bench/metrics-run.ts ${count} ${metricsOn ? 'on' : 'off'}`,
    );
  }
  return JSON.parse(resultLine.slice(RESULT_PREFIX.length)) as MetricsRun;
}

function checkRuns(runs: readonly MetricsRun[]): void {
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
  const runs: MetricsRun[] = [];
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? [false, true] : [true, false];
    for (const metricsOn of order) {
      progress(`metrics ${metricsOn ? 'on' : 'off'}: round ${round + 1}/${rounds}, ${count} documents`);
      runs.push(await runOnce(count, layout, metricsOn));
    }
  }
  checkRuns(runs);
  const rate = (run: Run): number => count / run.seconds;
  const side = (on: boolean) => runs.filter((run) => run.metricsOn === on);
  const on = side(true);
  const off = side(false);
  const onRate = median(on.map(rate));
  const offRate = median(off.map(rate));
  const overhead = 1 - onRate / offRate;
  const ms = (value: number | undefined) => (value === undefined ? 'n/a' : Math.round(value));
  printRows(
    `Metrics recording on vs off, real pipeline, ${count} documents, ${rounds} rounds in ABBA order, each run in a process of its own (${LAYOUT_TITLES[layout]})`,
    runs.map((run, index) => ({
      run: index + 1,
      metrics: run.metricsOn ? 'on' : 'off',
      'docs/s': rate(run),
      'total s': run.totalSeconds,
      'lag p50 ms': ms(run.lagP50),
      'lag p99 ms': ms(run.lagP99),
      'timer runs': run.timerRuns,
    })),
  );
  printRows('Medians', [
    { metrics: 'off', 'docs/s': offRate, 'total s': median(off.map((run) => run.totalSeconds)), 'x off': 1 },
    {
      metrics: 'on',
      'docs/s': onRate,
      'total s': median(on.map((run) => run.totalSeconds)),
      'x off': onRate / offRate,
    },
  ]);
  const shortest = Math.min(...runs.map((run) => run.seconds));
  if (shortest < MIN_RATE_WINDOW_SECONDS) {
    console.log(
      `target: no verdict: a run delivered all ${count} documents within ${shortest.toFixed(2)} s, too short a ` +
        'window for a rate; run with more documents (the default, BENCH_METRICS_DOCS=30000)',
    );
    return { overhead };
  }
  const percent = (overhead * 100).toFixed(1);
  console.log(
    `target: metrics add at most ${MAX_OVERHEAD * 100}% -> ${overhead <= MAX_OVERHEAD ? 'met' : 'NOT met'} (${percent}% slower with metrics on; negative: faster)`,
  );
  return { overhead };
}
