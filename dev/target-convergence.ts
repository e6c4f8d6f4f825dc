/**
 * How the demo decides that its targets converged: each target is polled on its own until it holds the final state of
 * every document the workload wrote, then read in full once to confirm.
 */
import type { ExpectedDocument } from './demo-workload.js';
import { convergedCount, type TargetReader } from './target-readers.js';
import { messageOf } from '../shared/errors.js';

export interface TargetUnderTest {
  name: string;
  /** Its Service Bus subscription, for the dead-letter count in the summary (poison records are counted by name). */
  subscription: string;
  read: TargetReader;
  /** When the target held every document at its final state (ms since epoch); unset until then. */
  convergedAt?: number;
  /** Documents held at their final state at the last poll. */
  held?: number;
}

type Log = (message: string) => void;

/**
 * Polls every target, each on its own, until it holds the final state of every document or the time is up. A poll
 * reads only the documents the target did not hold yet: reading all of them every half second (3,000 blob downloads,
 * say) took more CPU than the pipeline under test on the same two cores, and polling the targets one after another
 * made a fast target wait for a slow one's read, so its convergence looked many times slower than it was. A document
 * that reached its final state stays there (targets keep the newest version); a last full read of the target checks
 * exactly that before it counts as converged.
 */
export async function waitForAll(
  targets: TargetUnderTest[],
  expected: ExpectedDocument[],
  timeoutMs: number,
  log: Log,
  pollMs = 500,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const reporter = setInterval(
    () => log(targets.map((target) => `${target.name} ${target.held ?? 0}/${expected.length}`).join(', ')),
    2_000,
  );
  try {
    await Promise.all(targets.map((target) => waitForTarget(target, expected, deadline, log, pollMs)));
  } finally {
    clearInterval(reporter);
  }
}

async function waitForTarget(
  target: TargetUnderTest,
  expected: ExpectedDocument[],
  deadline: number,
  log: Log,
  pollMs: number,
): Promise<void> {
  let pending = expected;
  let lastError = 0;
  while (Date.now() < deadline) {
    try {
      const held = await target.read(pending);
      pending = pending.filter((doc) => convergedCount([doc], held) === 0);
      target.held = expected.length - pending.length;
      if (pending.length === 0) {
        const convergedAt = Date.now();
        // The full read: every document at its final state at once, or the guarantee is broken and polling goes on.
        const all = await target.read(expected);
        pending = expected.filter((doc) => convergedCount([doc], all) === 0);
        if (pending.length === 0) {
          target.convergedAt = convergedAt;
          return;
        }
        log(`${target.name}: ${pending.length} documents left their final state after reaching it`);
      }
    } catch (error) {
      // Not there yet (a table or container is created by the first batch): keep polling until the deadline.
      if (Date.now() - lastError > 2_000) log(`${target.name}: not readable yet (${messageOf(error)})`);
      lastError = Date.now();
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
