/**
 * One run of the metrics benchmark (bench/metrics-overhead.ts), in a process of its own: the local host imports the
 * app's function files once per process, and they parse their settings at import, so a second host in the same
 * process would keep the first run's settings (its closed stack's ports, its metrics switch).
 *
 * Usage: tsx bench/metrics-run.ts <documents> <on|off>. Progress goes to stderr; the last stdout line is
 * `result=<json>` (a MetricsRun).
 */
import type { HostLogLine } from '../local-host/index.js';
import { BENCH_METRICS_SCHEDULE, RESULT_PREFIX, type MetricsRun } from './metrics-overhead.js';
import { layoutFromEnv, runRealPipeline, withStack } from './pipeline.js';

function parseArgs(args: readonly string[]): { count: number; metricsOn: boolean } {
  const [countText, switchText] = args;
  const count = Number(countText);
  if (!Number.isInteger(count) || count < 1) {
    throw new RangeError(`documents: expected a positive integer, got ${JSON.stringify(countText)}`);
  }
  if (switchText !== 'on' && switchText !== 'off') {
    throw new RangeError(`metrics switch: expected "on" or "off", got ${JSON.stringify(switchText)}`);
  }
  return { count, metricsOn: switchText === 'on' };
}

async function main(): Promise<void> {
  const { count, metricsOn } = parseArgs(process.argv.slice(2));
  let timerRuns = 0;
  let errorLines = 0;
  const log = (line: HostLogLine): void => {
    if (line['level'] === 'error') {
      errorLines++;
      // An error invalidates the comparison; show it so the cause can be looked into.
      process.stderr.write(`[bench] host error: ${JSON.stringify(line).slice(0, 2_000)}\n`);
    }
    // The timer's own summary line, a JSON log call the host parsed into `data` (local-host/log.ts); checked by
    // field rather than by stringifying every line, since this runs in the measured process.
    const data = line['data'];
    if (line['event'] === 'function.log' && typeof data === 'object' && data !== null) {
      if ((data as Record<string, unknown>)['event'] === 'metrics.recorded') timerRuns++;
    }
  };
  const run = await withStack(layoutFromEnv(), (stack) =>
    runRealPipeline(count, stack, {
      sample: { metricsEnabled: metricsOn, metricsSchedule: BENCH_METRICS_SCHEDULE },
      log,
    }),
  );
  const result: MetricsRun = { ...run, metricsOn, timerRuns, errorLines };
  console.log(`${RESULT_PREFIX}${JSON.stringify(result)}`);
}

main().catch((error: unknown) => {
  console.error('metrics benchmark run failed:', error);
  process.exit(1);
});
