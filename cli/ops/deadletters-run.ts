/**
 * Runs an action (replay or purge) over selected dead letters: the queue's first, a batch of received messages at a
 * time, then the poison records, a batch at a time. Between two batches it looks at the signal, so Ctrl-C stops after
 * the current batch with every item either finished (its action done, then it settled) or left as it was.
 */
import type { ServiceBusReceivedMessage, ServiceBusReceiver } from '@azure/service-bus';
import type { StoredPoisonRecord } from '../../shared/poison/reader.js';
import type { Progress } from './progress.js';
import type { DeadLetter } from './deadletters-item.js';
import type { DeadLetterStores } from './deadletters-stores.js';

export type OutcomeStatus = 'done' | 'skipped' | 'failed';

export interface Outcome {
  id: string;
  status: OutcomeStatus;
  /** Why it was skipped or failed, and what to do. */
  detail?: string;
}

export interface Action {
  /** Does the action for received dead-lettered messages, completing each one it finished; one outcome each. */
  onDeadLettered(receiver: ServiceBusReceiver, messages: ServiceBusReceivedMessage[]): Promise<Outcome[]>;
  /** Does the action for poison records, deleting each one it finished; one outcome each. */
  onPoison(records: StoredPoisonRecord[]): Promise<Outcome[]>;
}

export interface RunReport {
  selected: number;
  done: number;
  skipped: number;
  failed: number;
  /** Items skipped or failed, with why. */
  problems: Outcome[];
  /** Stopped by the signal before every selected item was looked at. */
  interrupted: boolean;
}

export interface RunOptions {
  batchSize: number;
  signal?: AbortSignal | undefined;
  progress: Progress;
  /** The words in the progress line: `sent` for replay, `deleted` for purge. */
  doneWord: string;
}

/**
 * Runs `action` over `items`. A failure that is not about one item (a service that cannot be reached) stops the run
 * and is rethrown after the progress line says how far it got.
 */
export async function runOverItems(
  stores: DeadLetterStores,
  items: readonly DeadLetter[],
  action: Action,
  options: RunOptions,
): Promise<RunReport> {
  const report: RunReport = {
    selected: items.length,
    done: 0,
    skipped: 0,
    failed: 0,
    problems: [],
    interrupted: false,
  };
  const note = (outcomes: readonly Outcome[]) => {
    for (const outcome of outcomes) {
      report[outcome.status] += 1;
      if (outcome.status !== 'done') report.problems.push(outcome);
    }
    options.progress.advance(
      outcomes.length,
      `${options.doneWord} ${report.done}, skipped ${report.skipped}, failed ${report.failed}`,
    );
  };
  try {
    const queued = items.flatMap((item) => (item.kind === 'dlq' && item.sequenceNumber ? [item.sequenceNumber] : []));
    if (queued.length > 0) {
      const unseen = await stores.dlq.process(
        new Set(queued),
        options.batchSize,
        async (receiver, messages) => note(await action.onDeadLettered(receiver, messages)),
        options.signal,
      );
      if (!options.signal?.aborted) {
        note(
          [...unseen].map((sequence) => ({
            id: `dlq:${sequence}`,
            status: 'skipped' as const,
            detail: 'no longer in the dead-letter queue (settled by someone else since it was listed)',
          })),
        );
      }
    }
    const records = items.flatMap((item) => (item.kind === 'poison' ? [item.record] : []));
    for (let start = 0; start < records.length && !options.signal?.aborted; start += options.batchSize) {
      note(await action.onPoison(records.slice(start, start + options.batchSize)));
    }
  } finally {
    report.interrupted =
      options.signal?.aborted === true && report.done + report.skipped + report.failed < items.length;
    options.progress.finish();
  }
  return report;
}
