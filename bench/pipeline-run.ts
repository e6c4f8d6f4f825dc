/**
 * One run of one pipeline, in a process of its own, with a fresh local stack (see `runInChild` in pipeline-runs.ts
 * for why every run gets its own process).
 *
 * Usage: tsx bench/pipeline-run.ts <real|naive|floor> <documents> [metrics-on|metrics-off]
 * Progress goes to stderr; the last stdout line is `result=<json>` (a Run).
 */
import { runFloorPipeline } from './floor-pipeline.js';
import { runNaivePipeline } from './naive-pipeline.js';
import { layoutFromEnv, RESULT_PREFIX, withStack, type PipelineName } from './pipeline-runs.js';
import { runRealPipeline } from './real-pipeline.js';

/** Every second: far more often than a deployment records, so the metrics overhead measured is an upper bound. */
const BENCH_METRICS_SCHEDULE = '* * * * * *';

function parseArgs(args: readonly string[]): { pipeline: PipelineName; count: number; metricsOn?: boolean } {
  const [pipeline, countText, metrics, ...rest] = args;
  if (pipeline !== 'real' && pipeline !== 'naive' && pipeline !== 'floor') {
    throw new RangeError(`pipeline: expected "real", "naive" or "floor", got ${JSON.stringify(pipeline)}`);
  }
  const count = Number(countText);
  if (!Number.isInteger(count) || count < 1) {
    throw new RangeError(`documents: expected a positive integer, got ${JSON.stringify(countText)}`);
  }
  if (rest.length > 0) throw new RangeError(`unexpected arguments: ${rest.join(' ')}`);
  if (metrics === undefined) return { pipeline, count };
  if (metrics !== 'metrics-on' && metrics !== 'metrics-off') {
    throw new RangeError(`metrics switch: expected "metrics-on" or "metrics-off", got ${JSON.stringify(metrics)}`);
  }
  if (pipeline !== 'real') throw new RangeError('metrics switch: only the real pipeline records metrics');
  return { pipeline, count, metricsOn: metrics === 'metrics-on' };
}

async function main(): Promise<void> {
  const { pipeline, count, metricsOn } = parseArgs(process.argv.slice(2));
  const run = await withStack(layoutFromEnv(), (stack) =>
    pipeline === 'naive'
      ? runNaivePipeline(count, stack)
      : pipeline === 'floor'
        ? runFloorPipeline(count, stack)
        : runRealPipeline(
            count,
            stack,
            metricsOn === undefined
              ? {}
              : { sample: { metricsEnabled: metricsOn, metricsSchedule: BENCH_METRICS_SCHEDULE } },
          ),
  );
  console.log(`${RESULT_PREFIX}${JSON.stringify(run)}`);
}

main().catch((error: unknown) => {
  console.error('pipeline benchmark run failed:', error);
  process.exit(1);
});
