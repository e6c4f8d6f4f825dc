/**
 * What became of the messages no subscriber can apply, and of the events that were dead-lettered. Each poison message
 * must be explained on every target, as a poison record (with its reason) or in the subscription's dead-letter queue;
 * a dead-lettered message that is not one of ours is an event the target may never have applied, and counts as a
 * failure.
 */
import { TableClient } from '@azure/data-tables';
import type { ServiceBusClient } from '@azure/service-bus';
import type { ContainerClient } from '@azure/storage-blob';
import { PoisonReader } from '../../shared/poison/reader.js';

export interface MessageVerdict {
  target: string;
  /** Poison messages set aside as poison records, by reason. */
  recorded: Record<string, number>;
  /** Poison messages found in the dead-letter queue. */
  deadLettered: number;
  /** Poison messages found in neither. */
  unaccounted: string[];
  /** Dead-lettered messages that are not poison messages of this run: events the target may have lost. */
  deadLetteredEvents: number;
  /** Dead-letter reasons of those, for the report. */
  deadLetterReasons: string[];
}

export interface MessageStores {
  serviceBus: ServiceBusClient;
  topic: string;
  poisonTable: TableClient;
  quarantine: ContainerClient;
}

const DLQ_PEEK_BATCH = 250;

export async function judgeMessages(
  stores: MessageStores,
  target: { name: string; subscription: string },
  poisonMessages: readonly string[],
): Promise<MessageVerdict> {
  const wanted = new Set(poisonMessages);
  const verdict: MessageVerdict = {
    target: target.name,
    recorded: {},
    deadLettered: 0,
    unaccounted: [],
    deadLetteredEvents: 0,
    deadLetterReasons: [],
  };
  const explained = new Set<string>();
  for await (const record of new PoisonReader(stores.poisonTable, stores.quarantine).list(target.name)) {
    if (record.messageId === undefined || !wanted.has(record.messageId)) continue;
    explained.add(record.messageId);
    const reason = record.reason ?? '(no reason)';
    verdict.recorded[reason] = (verdict.recorded[reason] ?? 0) + 1;
  }
  const receiver = stores.serviceBus.createReceiver(stores.topic, target.subscription, { subQueueType: 'deadLetter' });
  try {
    for (;;) {
      const page = await receiver.peekMessages(DLQ_PEEK_BATCH);
      if (page.length === 0) break;
      for (const message of page) {
        const id = String(message.messageId ?? '');
        if (wanted.has(id)) {
          explained.add(id);
          verdict.deadLettered += 1;
        } else {
          verdict.deadLetteredEvents += 1;
          const reason = `${message.deadLetterReason ?? '(no reason)'}: ${message.deadLetterErrorDescription ?? ''}`;
          if (verdict.deadLetterReasons.length < 3) verdict.deadLetterReasons.push(reason.slice(0, 200));
        }
      }
    }
  } finally {
    await receiver.close();
  }
  verdict.unaccounted = poisonMessages.filter((id) => !explained.has(id));
  return verdict;
}

export function poisonTableClient(connectionString: string, table: string): TableClient {
  return TableClient.fromConnectionString(connectionString, table, { allowInsecureConnection: true });
}
