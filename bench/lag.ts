/**
 * Steady-state lag (`npm run bench -- lag`): documents written at a steady 50, 500 and 2,000 per second (60 s each by
 * default), and for each the time from its write to its appearing in the target, on one instance with Azure's
 * Service Bus trigger semantics, for the current subscriber design and the earlier one (sessions) in the same run.
 * Each design runs in a process of its own with a fresh local stack (bench/lag-run.ts). The source's feed poll delay
 * is the app's default, 1 s, which bounds how soon a change is read; the goals are stated against it.
 */
import { resultOfChild } from './child-run.js';
import { layoutFromEnv } from './pipeline-runs.js';
import type { Design } from './sessions-design/index.js';
import { printRows, progress } from './support.js';

export interface LagResult {
  rate: number;
  /** Writes per second actually achieved (the writer may not keep up on a busy machine). */
  achievedRate: number;
  /** Writes the local Cosmos DB refused even after retries; left out of the figures. */
  failedWrites: number;
  documents: number;
  missing: number;
  p50Ms: number | undefined;
  p99Ms: number | undefined;
}

/** The feed poll delay of these runs' source: the app's default (1 s), not the quick one `npm start` uses. */
export const FEED_POLL_DELAY_MS = 1_000;
/** Goals of issue 13 at 500 documents/s on one instance. */
const GOAL_RATE = 500;
const GOAL_P50_MS = FEED_POLL_DELAY_MS + 250;
const GOAL_P99_MS = 2 * FEED_POLL_DELAY_MS + 1_000;

function setting(name: string, fallback: string): string {
  return process.env[name] ?? fallback;
}

function runDesign(design: Design, rates: string, seconds: string): Promise<LagResult[]> {
  return resultOfChild<LagResult[]>('bench/lag-run.ts', [design, rates, seconds], {
    ...process.env,
    BENCH_STACK: layoutFromEnv(),
  });
}

export async function benchLag(): Promise<void> {
  const rates = setting('BENCH_LAG_RATES', '50,500,2000');
  const seconds = setting('BENCH_LAG_SECONDS', '60');
  const results: { design: Design; result: LagResult }[] = [];
  for (const design of ['current', 'sessions'] as const) {
    progress(`steady-state lag, ${design} design: ${rates} documents/s, ${seconds} s each`);
    for (const result of await runDesign(design, rates, seconds)) results.push({ design, result });
  }
  const ms = (value: number | undefined) => (value === undefined ? 'n/a' : Math.round(value));
  printRows(
    `Steady-state lag, write acknowledged -> visible in the target, one instance, feedPollDelay ${FEED_POLL_DELAY_MS} ms`,
    results.map(({ design, result }) => ({
      design,
      'docs/s asked': result.rate,
      'docs/s written': result.achievedRate,
      'failed writes': result.failedWrites,
      documents: result.documents,
      missing: result.missing,
      'p50 ms': ms(result.p50Ms),
      'p99 ms': ms(result.p99Ms),
    })),
  );
  const goal = results.find(({ design, result }) => design === 'current' && result.rate === GOAL_RATE)?.result;
  if (!goal) {
    console.log(`target: no verdict: no run at ${GOAL_RATE} documents/s`);
    return;
  }
  const met =
    goal.missing === 0 &&
    goal.p50Ms !== undefined &&
    goal.p99Ms !== undefined &&
    goal.p50Ms <= GOAL_P50_MS &&
    goal.p99Ms <= GOAL_P99_MS;
  console.log(
    `target: at ${GOAL_RATE} documents/s, p50 <= ${GOAL_P50_MS} ms and p99 <= ${GOAL_P99_MS} ms -> ${met ? 'met' : 'NOT met'} ` +
      `(p50 ${ms(goal.p50Ms)} ms, p99 ${ms(goal.p99Ms)} ms, ${goal.missing} missing)`,
  );
}
