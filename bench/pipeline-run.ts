/**
 * One run of one pipeline, in a process of its own, with a fresh local stack (see `runInChild` in pipeline-runs.ts
 * for why every run gets its own process).
 *
 * Usage: tsx bench/pipeline-run.ts <real|naive|floor> <documents> [metrics-on|metrics-off] [--instances N]
 * [--design current|sessions] (the last two for the real pipeline)
 * Progress goes to stderr; the last stdout line is `result=<json>` (a Run).
 */
import { runFloorPipeline } from './floor-pipeline.js';
import { runNaivePipeline } from './naive-pipeline.js';
import { layoutFromEnv, withStack, type PipelineName } from './pipeline-runs.js';
import { runRealPipeline } from './real-pipeline.js';
import type { Design } from './sessions-design/index.js';
import { printResult } from './child-run.js';

/** Every second: far more often than a deployment records, so the metrics overhead measured is an upper bound. */
const BENCH_METRICS_SCHEDULE = '* * * * * *';

interface RunArgs {
  pipeline: PipelineName;
  count: number;
  metricsOn?: boolean;
  instances?: number;
  design?: Design;
}

/** `--instances N` and `--design D`, taken out of the arguments; the rest are positional. */
function parseFlags(args: readonly string[]): { positional: string[]; instances?: number; design?: Design } {
  const positional: string[] = [];
  const flags: { instances?: number; design?: Design } = {};
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index] as string;
    const value = args[index + 1];
    if (arg === '--instances') {
      const instances = Number(value);
      if (!Number.isInteger(instances) || instances < 1 || instances > 16)
        throw new RangeError(`--instances: expected a whole number from 1 to 16, got ${JSON.stringify(value)}`);
      flags.instances = instances;
      index += 1;
    } else if (arg === '--design') {
      if (value !== 'current' && value !== 'sessions')
        throw new RangeError(`--design: expected "current" or "sessions", got ${JSON.stringify(value)}`);
      flags.design = value;
      index += 1;
    } else positional.push(arg);
  }
  return { positional, ...flags };
}

function parseArgs(args: readonly string[]): RunArgs {
  const { positional, ...flags } = parseFlags(args);
  const [pipeline, countText, metrics, ...rest] = positional;
  if (pipeline !== 'real' && pipeline !== 'naive' && pipeline !== 'floor') {
    throw new RangeError(`pipeline: expected "real", "naive" or "floor", got ${JSON.stringify(pipeline)}`);
  }
  const count = Number(countText);
  if (!Number.isInteger(count) || count < 1) {
    throw new RangeError(`documents: expected a positive integer, got ${JSON.stringify(countText)}`);
  }
  if (rest.length > 0) throw new RangeError(`unexpected arguments: ${rest.join(' ')}`);
  if (pipeline !== 'real' && (flags.instances !== undefined || flags.design !== undefined))
    throw new RangeError('--instances and --design apply to the real pipeline only');
  if (metrics === undefined) return { pipeline, count, ...flags };
  if (metrics !== 'metrics-on' && metrics !== 'metrics-off') {
    throw new RangeError(`metrics switch: expected "metrics-on" or "metrics-off", got ${JSON.stringify(metrics)}`);
  }
  if (pipeline !== 'real') throw new RangeError('metrics switch: only the real pipeline records metrics');
  return { pipeline, count, metricsOn: metrics === 'metrics-on', ...flags };
}

async function main(): Promise<void> {
  const { pipeline, count, metricsOn, instances, design } = parseArgs(process.argv.slice(2));
  const run = await withStack(layoutFromEnv(), (stack) =>
    pipeline === 'naive'
      ? runNaivePipeline(count, stack)
      : pipeline === 'floor'
        ? runFloorPipeline(count, stack)
        : runRealPipeline(count, stack, {
            ...(metricsOn === undefined
              ? {}
              : { sample: { metricsEnabled: metricsOn, metricsSchedule: BENCH_METRICS_SCHEDULE } }),
            ...(instances !== undefined ? { instances } : {}),
            ...(design !== undefined ? { design } : {}),
          }),
  );
  printResult(run);
}

main().catch((error: unknown) => {
  console.error('pipeline benchmark run failed:', error);
  process.exit(1);
});
