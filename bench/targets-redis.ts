/**
 * Apply throughput of the Redis target for batches of 500 events against a naive baseline on the same server in the
 * same run: the same guard script, one EVALSHA per event, each awaited before the next (keys and values built by
 * the same helpers, so the only difference is how many events share a script call and a round trip).
 *
 * The machine is shared and noisy, so the paths are interleaved finely: after every batch of the target, a short
 * run of naive calls. A burst of load then slows both paths alike instead of whichever ran at that moment. Each
 * round sums the time of each path; ratios are per round, and the table shows their median and every round's. The
 * events are built once before anything is timed, a whole warm-up round is not counted (the naive path's code, run
 * only 1,200 times a round, is still getting faster through the first one), and every round starts with no keys.
 * Client CPU per event is printed too: it is far less sensitive to load than throughput.
 */
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { ChangeEvent } from '../shared/events/envelope.js';
import { DEFAULT_MAX_VALUE_BYTES } from '../shared/targets/redis/config.js';
import { createRedisClient, type GuardCommands } from '../shared/targets/redis/client.js';
import { RedisTarget } from '../shared/targets/redis/index.js';
import { VERSION_KEY_SUFFIX } from '../shared/targets/redis/keys.js';
import { eventArgs } from '../shared/targets/redis/values.js';
import { applyOrFail, BATCH, batchesOf, eventsOf } from './target-events.js';
import { median, printRows, progress } from './support.js';

const REDIS_URL = process.env['REDIS_TEST_URL'] ?? 'redis://127.0.0.1:6379';
/** Naive events after each batch of the target: their time per round is about that of the target's batches. */
const NAIVE_PER_BATCH = 20;

/** Time and client CPU one path spent in one round. */
class Tally {
  wallMs = 0;
  cpuMs = 0;
  events = 0;

  async time(events: number, work: () => Promise<void>): Promise<void> {
    const cpu = process.cpuUsage();
    const started = performance.now();
    await work();
    this.wallMs += performance.now() - started;
    const used = process.cpuUsage(cpu);
    this.cpuMs += (used.user + used.system) / 1000;
    this.events += events;
  }

  get perSecond(): number {
    return (this.events / this.wallMs) * 1000;
  }

  get cpuMicrosPerEvent(): number {
    return (this.cpuMs * 1000) / this.events;
  }
}

export async function benchRedis(rounds = 7, eventsPerRound = 10_000): Promise<void> {
  const prefix = `bench-${randomUUID().slice(0, 8)}`;
  const client = createRedisClient(REDIS_URL, { connectTimeoutMs: 5_000, commandTimeoutMs: 30_000 });
  const targetOf = (format: 'json' | 'hash') =>
    new RedisTarget({
      name: `bench-${format}`,
      client,
      keyTemplate: `${prefix}:${format}:{source}:{partitionKey}:{id}`,
      format,
      tombstoneTtlSeconds: 600,
      readyTimeoutMs: 5_000,
    });
  const json = targetOf('json');
  const hash = targetOf('hash');
  // Built once, before anything is timed; every round deletes its keys, so the same events apply again.
  const inserts = batchesOf('bench', eventsPerRound, 1);
  const paths = [
    { label: 'target, json: new keys', batches: inserts, target: json },
    { label: 'target, hash: new keys', batches: inserts, target: hash },
    { label: 'target, json: newer versions', batches: batchesOf('bench', eventsPerRound, 2), target: json },
  ];
  const naiveEvents = eventsOf('naive', NAIVE_PER_BATCH * inserts.length * paths.length, 1);
  const naive = naiveCall(client, json);
  const results: Tally[][] = [];
  try {
    await json.open();
    await hash.open();
    for (let round = 0; round <= rounds; round++) {
      progress(round === 0 ? 'redis: warm-up round' : `redis: round ${round} of ${rounds}`);
      const tallies = [...paths.map(() => new Tally()), new Tally()];
      const naiveTally = tallies[paths.length] as Tally;
      let naiveAt = 0;
      // Batch by batch, each path in turn (a batch's newer versions right after its new keys), so that whatever
      // the machine or the garbage collector does at some moment lands on every path alike.
      for (let at = 0; at < inserts.length; at++) {
        for (const [index, path] of paths.entries()) {
          const batch = path.batches[at] as ChangeEvent[];
          await tallies[index]?.time(batch.length, () => applyOrFail(path.target, batch));
          const next = naiveEvents.slice(naiveAt, (naiveAt += NAIVE_PER_BATCH));
          await naiveTally.time(next.length, async () => {
            for (const event of next) await naive(event);
          });
        }
      }
      await deleteKeys(client, `${prefix}:*`);
      if (round > 0) results.push(tallies);
    }
  } finally {
    await deleteKeys(client, `${prefix}:*`);
    await json.close();
    await hash.close();
    client.disconnect();
  }
  const column = (index: number) => results.map((tallies) => tallies[index] as Tally);
  const naiveRates = column(paths.length).map((tally) => tally.perSecond);
  const rowOf = (label: string, index: number) => {
    const tallies = column(index);
    const ratios = tallies.map((tally, round) => tally.perSecond / (naiveRates[round] as number));
    return {
      path: label,
      'events/s': median(tallies.map((tally) => tally.perSecond)),
      'x naive': median(ratios),
      'x naive, each round': ratios.map((ratio) => ratio.toFixed(1)).join(' '),
      'client CPU µs/event': median(tallies.map((tally) => tally.cpuMicrosPerEvent)),
    };
  };
  printRows(`Redis target: apply throughput, batches of ${BATCH}, medians of ${rounds} interleaved rounds`, [
    ...paths.map((path, index) => rowOf(path.label, index)),
    rowOf('naive: 1 awaited EVALSHA/event (json)', paths.length),
  ]);
}

/** The honest naive path: key, version record and JSON built as the target builds them, then one awaited EVALSHA. */
function naiveCall(client: Redis, target: RedisTarget): (event: ChangeEvent) => Promise<void> {
  const guard = client as unknown as GuardCommands;
  return async (event) => {
    const key = target.keyOf(event);
    const versionKey = `${key}${VERSION_KEY_SUFFIX}`;
    const settings = { key, versionKey, format: 'json' as const, maxValueBytes: DEFAULT_MAX_VALUE_BYTES };
    const { keys, args } = eventArgs(event, settings);
    const reply = await guard.syncApplyJson(keys.length, keys, ['0', '600', ...args]);
    if (!Array.isArray(reply) || reply[0] !== 1) throw new Error(`naive event not applied: ${String(reply)}`);
  };
}

/**
 * Deletes the run's keys in steps of a SCAN inside Redis: no key names come back to this process, so cleaning up
 * between rounds leaves no garbage for the next round's timings, and no step blocks Redis for long.
 */
const DELETE_STEP_LUA = `
local found = redis.call('SCAN', ARGV[1], 'MATCH', ARGV[2], 'COUNT', 1000)
if #found[2] > 0 then redis.call('UNLINK', unpack(found[2])) end
return found[1]`;

async function deleteKeys(client: Redis, pattern: string): Promise<void> {
  let cursor = '0';
  do cursor = String(await client.eval(DELETE_STEP_LUA, 0, cursor, pattern));
  while (cursor !== '0');
}
