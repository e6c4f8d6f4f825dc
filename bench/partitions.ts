/**
 * `npm run bench -- partitions`: publish throughput (documents sent to the Service Bus topic per second, from the
 * change feed) of a source with 8 feed ranges, on 1 and on 4 instances of the app, and the ratio 4/1 against the one
 * instance measured in the same run (goal of issue 19: >= 2.5x).
 *
 * Each run is a process of its own (bench/partitions-run.ts) with a fresh stack in a child process; runs alternate
 * their order from round to round, and the verdict uses medians. Every run prints the CPU its processes used, because
 * on this 2-core machine the instances share the same cores: where one instance already keeps them busy, four cannot
 * publish faster here, though in Azure each instance has cores of its own.
 */
import { availableParallelism } from 'node:os';
import { resultOfChild } from './child-run.js';
import { RANGES, type PartitionsRun } from './partitions-run.js';
import { median, printRows, progress } from './support.js';

const GOAL = 2.5;
const INSTANCE_COUNTS = [1, 4] as const;
/** A run whose processes keep this share of the machine's cores busy is bound by the machine, not by the app. */
const SATURATED = 0.85;

function positiveInteger(name: string, fallback: number, minimum: number): number {
  const text = process.env[name];
  const value = text === undefined ? fallback : Number(text);
  if (!Number.isInteger(value) || value < minimum) {
    throw new RangeError(`${name}: expected an integer >= ${minimum}, got ${JSON.stringify(text)}`);
  }
  return value;
}

function runInChild(count: number, instances: number): Promise<PartitionsRun> {
  return resultOfChild<PartitionsRun>('bench/partitions-run.ts', [String(count), '--instances', String(instances)]);
}

/** Cores busy during the run, the neighbours' work included when /proc/stat could be read. */
const busyCores = (run: PartitionsRun, cores: number): number =>
  run.machineBusy === undefined ? run.appCores + (run.stackCores ?? 0) : run.machineBusy * cores;

export async function benchPartitions(
  count = positiveInteger('BENCH_PARTITIONS_DOCS', 60_000, 5_000),
  rounds = positiveInteger('BENCH_PARTITIONS_ROUNDS', 2, 1),
): Promise<{ ratio: number }> {
  const cores = availableParallelism();
  const runs: PartitionsRun[] = [];
  for (let round = 0; round < rounds; round += 1) {
    const order = round % 2 === 0 ? INSTANCE_COUNTS : [...INSTANCE_COUNTS].reverse();
    for (const instances of order) {
      progress(`partitions round ${round + 1}/${rounds}: ${instances} instance(s), ${count} documents`);
      runs.push(await runInChild(count, instances));
    }
  }
  printRows(
    `Publish throughput, 8 feed ranges, ${count} documents waiting; measured once the leases are shared equally ` +
      `(${cores} cores here, stack in a process of its own)`,
    runs.map((run) => ({
      instances: run.instances,
      'docs/s': Math.round(run.docsPerSecond),
      'measured docs': run.measuredDocuments,
      's measured': Number(run.measuredSeconds.toFixed(1)),
      'balanced after s': Number(run.balancedAfterSeconds.toFixed(1)),
      'app cores': Number(run.appCores.toFixed(2)),
      'stack cores': run.stackCores === undefined ? 'n/a' : Number(run.stackCores.toFixed(2)),
      'machine busy': run.machineBusy === undefined ? 'n/a' : `${Math.round(run.machineBusy * 100)}%`,
      'app µs/doc': Math.round(run.appCpuMicros),
      'stack µs/doc': run.stackCpuMicros === undefined ? 'n/a' : Math.round(run.stackCpuMicros),
      'items/invocation': Math.round(run.itemsPerInvocation),
      'ms/invocation': Math.round(run.invocationMs),
      'ms/lease cycle': Math.round(run.leaseCycleMs),
      errors: run.errorLines,
    })),
  );
  const of = (instances: number) => runs.filter((run) => run.instances === instances);
  const rate = (instances: number) => median(of(instances).map((run) => run.docsPerSecond));
  const ratio = rate(4) / rate(1);
  const oneInstanceBusy = median(of(1).map((run) => busyCores(run, cores)));
  const saturated = oneInstanceBusy >= SATURATED * cores;
  console.log(
    `\n4 instances / 1 instance (medians): ${ratio.toFixed(2)}x (${Math.round(rate(4))} / ${Math.round(rate(1))} docs/s); ` +
      `goal >= ${GOAL}x: ${ratio >= GOAL ? 'met' : 'NOT met'}`,
  );
  console.log(
    `during the one-instance runs ${oneInstanceBusy.toFixed(2)} of ${cores} cores were busy (app, stack and any ` +
      `neighbours): ` +
      (saturated
        ? "this machine's cores are the bound, so more instances on it cannot publish faster; in Azure each " +
          'instance has cores of its own and Service Bus and Cosmos DB run elsewhere. The ratio above is not ' +
          "Azure's; see docs/benchmarks.md."
        : 'the cores were not the bound; the ratio above is what the instances themselves allow.'),
  );
  const one = of(1);
  const cycle = median(one.map((run) => run.leaseCycleMs));
  const invocation = median(one.map((run) => run.invocationMs));
  const items = median(one.map((run) => run.itemsPerInvocation));
  const appMicros = median(one.map((run) => run.appCpuMicros));
  console.log(
    `one instance: ${RANGES} lease loops side by side, each one read -> invocation -> checkpoint at a time: ` +
      `${Math.round(cycle)} ms per cycle of ${Math.round(items)} documents (${Math.round(invocation)} ms of it in the ` +
      `invocation, which sends to Service Bus). Four instances run the same ${RANGES} loops; they publish faster ` +
      `only where one instance's CPU is the bound: its ${Math.round(appMicros)} µs per document allow ` +
      `${Math.round(1e6 / appMicros)} docs/s on one busy core.`,
  );
  const errors = runs.reduce((sum, run) => sum + run.errorLines, 0);
  if (errors > 0) console.log(`${errors} host error line(s) during the runs: the figures are suspect.`);
  return { ratio };
}
