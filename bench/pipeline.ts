/**
 * End-to-end local throughput and lag of the real pipeline (change feed -> publish -> Service Bus -> subscriber ->
 * Cosmos DB target, on the local host) against the naive pipeline (bench/naive-pipeline.ts), in one run.
 *
 * Throughput is catch-up throughput: documents divided by the time from the pipeline's start to the last document
 * reaching the target, start-up and batching delays included, so holding documents back to form bigger batches
 * cannot make a pipeline look faster than it is. A third pipeline, the floor (bench/floor-pipeline.ts), makes only
 * the SDK calls any batched pipeline must make: its ratio is the most that any pipeline of this design (one message
 * per document) can reach against the naive loop on this machine.
 *
 * Each run has a process and a fresh local stack of its own; the order of the three alternates from round to round
 * so drift in the machine's load falls on all alike, and the verdict uses the medians. CPU per document (pipeline
 * process and stack process) is printed beside the rates: it moves much less than a rate when other work shares the
 * machine.
 */
import { median, printRows, progress } from './support.js';
import {
  LAYOUT_TITLES,
  layoutFromEnv,
  runInChild,
  throughput,
  type Layout,
  type PipelineName,
  type Run,
} from './pipeline-runs.js';

const TARGET_RATIO = 10;
const ORDER: readonly PipelineName[] = ['naive', 'real', 'floor'];
const TITLES: Record<PipelineName, string> = {
  real: 'cosmos-sync (envelope, sessions, coalescing, version guard, state, local host)',
  floor: 'floor (the SDK calls alone: change feed, batched sends, session receives, bulk creates)',
  naive: 'naive (one send per document, one receive, write and complete per message)',
};

function positiveInteger(name: string, fallback: number, minimum = 1): number {
  const text = process.env[name];
  const value = text === undefined ? fallback : Number(text);
  if (!Number.isInteger(value) || value < minimum) {
    throw new RangeError(`${name}: expected an integer >= ${minimum}, got ${JSON.stringify(text)}`);
  }
  return value;
}

const ms = (value: number | undefined): string | number => (value === undefined ? 'n/a' : Math.round(value));
const micros = (value: number | undefined): string | number => (value === undefined ? 'in process' : value);

function row(label: string, run: Run, naiveRate: number): Record<string, string | number> {
  return {
    run: label,
    'docs/s': throughput(run),
    'catch-up s': run.catchUpSeconds,
    'lag p50 ms': ms(run.lagP50Ms),
    'lag p99 ms': ms(run.lagP99Ms),
    'cpu µs/doc': run.pipelineCpuMicros,
    'stack µs/doc': micros(run.stackCpuMicros),
    'x naive': throughput(run) / naiveRate,
  };
}

export async function benchPipeline(
  count = positiveInteger('BENCH_PIPELINE_DOCS', 20_000, 1_000),
  rounds = positiveInteger('BENCH_PIPELINE_ROUNDS', 2),
  layout: Layout = layoutFromEnv(),
): Promise<{ ratio: number }> {
  const runs: Run[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const pipeline of round % 2 === 0 ? ORDER : [...ORDER].reverse()) {
      progress(`round ${round + 1}/${rounds}: ${pipeline} pipeline, ${count} documents`);
      runs.push(await runInChild([pipeline, String(count)], layout));
    }
  }
  const errors = runs.reduce((sum, run) => sum + run.errorLines, 0);
  const of = (pipeline: Run['pipeline']) => runs.filter((run) => run.pipeline === pipeline);
  const rate = (pipeline: PipelineName) => median(of(pipeline).map(throughput));
  const naiveRate = rate('naive');
  const ratio = rate('real') / naiveRate;
  printRows(
    `End-to-end local pipeline, ${count} documents waiting in the source, ${rounds} rounds (order reversed every ` +
      `other round), each run in a process of its own with a ${LAYOUT_TITLES[layout]} (docs/s: catch-up ` +
      'throughput, start-up included; lag from start; cpu: the pipeline process, stack: the local stack process, ' +
      'per document)',
    runs.map((run, index) => row(`${index + 1} ${run.pipeline}`, run, naiveRate)),
  );
  const medianOf = (pipeline: Run['pipeline'], pick: (run: Run) => number | undefined) => {
    const values = of(pipeline)
      .map(pick)
      .filter((value): value is number => value !== undefined);
    return values.length > 0 ? median(values) : undefined;
  };
  printRows(
    'Medians',
    (['real', 'floor', 'naive'] as const).map((pipeline) => ({
      pipeline: TITLES[pipeline],
      'docs/s': rate(pipeline),
      'lag p50 ms': ms(medianOf(pipeline, (run) => run.lagP50Ms)),
      'lag p99 ms': ms(medianOf(pipeline, (run) => run.lagP99Ms)),
      'cpu µs/doc': medianOf(pipeline, (run) => run.pipelineCpuMicros) ?? 'n/a',
      'stack µs/doc': micros(medianOf(pipeline, (run) => run.stackCpuMicros)),
      'x naive': rate(pipeline) / naiveRate,
    })),
  );
  const floorRatio = rate('floor') / naiveRate;
  if (errors > 0) {
    console.log(`target: no verdict: the host logged ${errors} error line(s) (printed above); look into them first`);
    return { ratio };
  }
  const verdict = ratio >= TARGET_RATIO ? 'met' : 'NOT met';
  console.log(
    `target: at least ${TARGET_RATIO}x the naive baseline -> ${verdict} (${ratio.toFixed(1)}x; the floor, the SDK ` +
      `calls alone, reaches ${floorRatio.toFixed(1)}x, and cosmos-sync ${((100 * ratio) / floorRatio).toFixed(0)}% ` +
      'of the floor)',
  );
  return { ratio };
}
