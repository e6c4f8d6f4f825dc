/**
 * One steady-state lag run, in a process of its own with a fresh local stack: the real pipeline on one instance
 * (current or earlier subscriber design), documents written at a steady rate for a while, and for each document the
 * time from its write being acknowledged to its appearing in the target, seen through the target's change feed.
 *
 * Usage: tsx bench/lag-run.ts <current|sessions> <rates, e.g. 50,500,2000> <seconds per rate>
 * Progress goes to stderr; the last stdout line is `result=<json>` (LagResult[]).
 */
import { ChangeFeedStartFrom, StatusCodes, type Container } from '@azure/cosmos';
import { startLocalPipeline } from '../dev/pipeline.js';
import { DATABASE, layoutFromEnv, SOURCE, TARGET, withStack } from './pipeline-runs.js';
import { SESSIONS_DESIGN_FILES, sessionsDesignHostJson, type Design } from './sessions-design/index.js';
import { percentile } from '../dev/convergence.js';
import { progress } from './support.js';
import { FEED_POLL_DELAY_MS, type LagResult } from './lag.js';
import { printResult } from './child-run.js';

const TICK_MS = 100;
const DRAIN_TIMEOUT_MS = 60_000;

function parseArgs(args: readonly string[]): { design: Design; rates: number[]; seconds: number } {
  const [design, ratesText, secondsText, ...rest] = args;
  if (design !== 'current' && design !== 'sessions') throw new RangeError(`design: expected current or sessions`);
  const rates = (ratesText ?? '').split(',').map(Number);
  if (rates.length === 0 || rates.some((rate) => !Number.isInteger(rate) || rate < 1 || rate > 10_000))
    throw new RangeError(
      `rates: expected whole numbers from 1 to 10000, comma-separated, got ${JSON.stringify(ratesText)}`,
    );
  const seconds = Number(secondsText);
  if (!Number.isInteger(seconds) || seconds < 1) throw new RangeError(`seconds: expected a whole number >= 1`);
  if (rest.length > 0) throw new RangeError(`unexpected arguments: ${rest.join(' ')}`);
  return { design, rates, seconds };
}

/** Records when each document first shows in the target, by id, until stopped. */
function watchTarget(target: Container, seen: Map<string, number>): () => Promise<void> {
  let stopped = false;
  const iterator = target.items.getChangeFeedIterator<{ id: string }>({
    changeFeedStartFrom: ChangeFeedStartFrom.Now(),
  });
  const loop = (async () => {
    while (!stopped) {
      const page = await iterator.readNext();
      const now = Date.now();
      if (page.statusCode === StatusCodes.NotModified || page.result.length === 0) {
        await new Promise((resolve) => setTimeout(resolve, 25));
        continue;
      }
      for (const item of page.result) if (!seen.has(item.id)) seen.set(item.id, now);
    }
  })();
  return async () => {
    stopped = true;
    await loop;
  };
}

/**
 * Writes `rate` documents a second for `seconds`, one bulk call per 100 documents each tick (the local Cosmos DB drops
 * connections when thousands of single creates are in flight), and records when each write was acknowledged. A
 * failed bulk call is tried again, up to three times; what still fails is left out of the figures and counted.
 */
async function writeSteadily(
  source: Container,
  rate: number,
  seconds: number,
  written: Map<string, number>,
): Promise<{ achievedRate: number; failed: number }> {
  const perTick = rate / (1000 / TICK_MS);
  const started = Date.now();
  let issued = 0;
  let failed = 0;
  const pending = new Set<Promise<void>>();
  const writeChunk = async (ids: string[]): Promise<void> => {
    const operations = ids.map((id, index) => ({
      operationType: 'Create' as const,
      resourceBody: { id, customerId: `customer-${(issued + index) % 97}`, rate, notes: 'x'.repeat(300) },
    }));
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      try {
        const results = await source.items.bulk(operations, { continueOnError: true });
        const now = Date.now();
        results.forEach((result, index) => {
          if (result && result.statusCode < 300) written.set(ids[index] as string, now);
          else failed += 1;
        });
        return;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
      }
    }
    failed += ids.length;
  };
  while (Date.now() - started < seconds * 1000) {
    const due = Math.floor(((Date.now() - started) / TICK_MS + 1) * perTick);
    const ids: string[] = [];
    for (; issued < due; issued++) ids.push(`r${rate}-${issued}`);
    for (let start = 0; start < ids.length; start += 100) {
      const write = writeChunk(ids.slice(start, start + 100));
      pending.add(write);
      void write.finally(() => pending.delete(write));
    }
    await new Promise((resolve) => setTimeout(resolve, TICK_MS - ((Date.now() - started) % TICK_MS)));
  }
  await Promise.all([...pending]);
  return { achievedRate: written.size / ((Date.now() - started) / 1000), failed };
}

async function main(): Promise<void> {
  const { design, rates, seconds } = parseArgs(process.argv.slice(2));
  const results = await withStack(layoutFromEnv(), async (stack) => {
    const pipeline = await startLocalPipeline({
      externalStack: stack.settings,
      sample: { feedPollDelayMs: FEED_POLL_DELAY_MS },
      ...(design === 'sessions' ? { files: SESSIONS_DESIGN_FILES, hostJson: sessionsDesignHostJson() } : {}),
      log: () => {},
    });
    try {
      const database = pipeline.cosmos.database(DATABASE);
      const { container: target } = await database.containers.createIfNotExists({
        id: TARGET,
        partitionKey: { paths: ['/pk'] },
      });
      const source = database.container(SOURCE);
      const seen = new Map<string, number>();
      const stopWatching = watchTarget(target, seen);
      const out: LagResult[] = [];
      try {
        for (const rate of rates) {
          progress(`lag (${design}): ${rate} documents/s for ${seconds} s`);
          const written = new Map<string, number>();
          const { achievedRate, failed } = await writeSteadily(source, rate, seconds, written);
          const deadline = Date.now() + DRAIN_TIMEOUT_MS;
          while (Date.now() < deadline && [...written.keys()].some((id) => !seen.has(id))) {
            await new Promise((resolve) => setTimeout(resolve, 200));
          }
          const lags = [...written].flatMap(([id, at]) => {
            const arrived = seen.get(id);
            return arrived === undefined ? [] : [arrived - at];
          });
          out.push({
            rate,
            achievedRate,
            failedWrites: failed,
            documents: written.size,
            missing: written.size - lags.length,
            p50Ms: percentile(lags, 0.5),
            p99Ms: percentile(lags, 0.99),
          });
        }
      } finally {
        await stopWatching();
      }
      return out;
    } finally {
      await pipeline.close();
    }
  });
  printResult(results);
}

main().catch((error: unknown) => {
  console.error('lag benchmark run failed:', error);
  process.exit(1);
});
