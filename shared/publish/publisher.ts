/**
 * The publish path of a source function: map a change-feed batch to events, send them in as few Service Bus batches
 * as fit, in feed order, and quarantine what can never be sent. It returns only when every item is either accepted
 * by Service Bus or quarantined; any other failure throws, so the trigger's retry policy keeps the lease where it was
 * (re-sent events are dropped by duplicate detection, their message ids being deterministic).
 */
import type { ServiceBusMessage, ServiceBusSender } from '@azure/service-bus';
import { CosmosSyncError, messageOf } from '../errors.js';
import { throwIfShuttingDown } from '../lifecycle/shutdown.js';
import type { ChangeEvent } from '../events/envelope.js';
import {
  mapAllVersionsItem,
  mapLatestVersionItem,
  type MappingResult,
  type PublishSource,
} from '../events/map-change.js';
import type { Logger } from '../logging.js';
import type { QuarantineEntry, QuarantineStore } from './quarantine.js';
import { toServiceBusMessage, type MessageOptions } from './to-message.js';

export class PublishError extends CosmosSyncError {
  readonly retryable = true;
  constructor(
    readonly code: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export type { PublishSource };

export interface PublisherDeps {
  /** Only `createMessageBatch` and `sendMessages` are used; one sender is reused across invocations. */
  sender: Pick<ServiceBusSender, 'createMessageBatch' | 'sendMessages'>;
  quarantine: QuarantineStore;
  sessionBuckets: number;
  logger: Logger;
  now?: () => Date;
  /** Aborted when the app shuts down: sending stops and the invocation fails, so the change feed hands it over again. */
  signal?: AbortSignal;
}

export interface PublishSummary {
  items: number;
  published: number;
  /** Service Bus batches sent. */
  batches: number;
  quarantined: number;
  quarantinedByCode: Record<string, number>;
}

export async function publishChanges(
  deps: PublisherDeps,
  source: PublishSource,
  items: readonly unknown[],
): Promise<PublishSummary> {
  const now = (deps.now ?? (() => new Date()))();
  const map = source.changeFeedMode === 'AllVersionsAndDeletes' ? mapAllVersionsItem : mapLatestVersionItem;
  const summary: PublishSummary = {
    items: items.length,
    published: 0,
    batches: 0,
    quarantined: 0,
    quarantinedByCode: {},
  };
  const quarantines: QuarantineEntry[] = [];
  const messages: PendingMessage[] = [];

  const publishedAt = now.toISOString();
  const messageOptions = { sessionBuckets: deps.sessionBuckets, typeField: source.typeField };
  for (const item of items) {
    const mapped: MappingResult = map(item, source, publishedAt);
    if (mapped.ok) {
      const message = buildMessage(mapped.event, messageOptions);
      if (message) {
        messages.push({ message, item, documentId: mapped.event.documentId });
        continue;
      }
      quarantines.push({
        source: source.name,
        code: 'NOT_SERIALIZABLE',
        reason: 'document cannot be serialised as JSON (a BigInt or a cycle)',
        documentId: mapped.event.documentId,
        item,
        quarantinedAt: publishedAt,
      });
    } else {
      quarantines.push({
        source: source.name,
        code: mapped.code,
        reason: mapped.reason,
        documentId: mapped.documentId,
        item,
        quarantinedAt: now.toISOString(),
      });
    }
  }

  try {
    await sendInBatches(deps.sender, messages, summary, deps.signal, (entry, maxSizeInBytes) =>
      quarantines.push({
        source: source.name,
        code: 'TOO_LARGE',
        reason: `event is larger than the largest message the namespace accepts (${maxSizeInBytes} bytes)`,
        documentId: entry.documentId,
        item: entry.item,
        quarantinedAt: now.toISOString(),
      }),
    );
  } catch (error) {
    throwIfShuttingDown(deps.signal);
    const detail = messageOf(error);
    throw new PublishError(
      'PUBLISH_FAILED',
      `sending to Service Bus failed after ${summary.published} of ${messages.length} events: ${detail}`,
      { cause: error },
    );
  }

  try {
    await Promise.all(quarantines.map((entry) => deps.quarantine.put(entry)));
  } catch (error) {
    // Retrying the batch is safe: sent events are dropped as duplicates and quarantine blobs are named by content.
    throw new PublishError('QUARANTINE_FAILED', `could not store ${quarantines.length} quarantined item(s)`, {
      cause: error,
    });
  }
  for (const entry of quarantines) {
    summary.quarantined += 1;
    summary.quarantinedByCode[entry.code] = (summary.quarantinedByCode[entry.code] ?? 0) + 1;
    deps.logger.warn('change.quarantined', {
      source: entry.source,
      documentId: entry.documentId,
      code: entry.code,
      reason: entry.reason,
    });
  }
  deps.logger.info('batch.published', {
    source: source.name,
    items: summary.items,
    published: summary.published,
    batches: summary.batches,
    quarantined: summary.quarantined,
  });
  return summary;
}

/** The message, or undefined when the event cannot be serialised: a verdict about the document, not an error. */
function buildMessage(event: ChangeEvent, options: MessageOptions): ServiceBusMessage | undefined {
  try {
    return toServiceBusMessage(event, options);
  } catch (error) {
    if (error instanceof TypeError) return undefined;
    throw error;
  }
}

interface PendingMessage {
  message: ServiceBusMessage;
  item: unknown;
  documentId: string;
}

/**
 * Fills batches in feed order and sends each before starting the next, so events of one session reach Service Bus in
 * the order they were read. A message that does not fit even an empty batch never will: it goes to `tooLarge`.
 */
async function sendInBatches(
  sender: PublisherDeps['sender'],
  messages: readonly PendingMessage[],
  summary: PublishSummary,
  signal: AbortSignal | undefined,
  tooLarge: (entry: PendingMessage, maxSizeInBytes: number) => void,
): Promise<void> {
  if (messages.length === 0) return;
  const options = { abortSignal: signal };
  throwIfShuttingDown(signal);
  let batch = await sender.createMessageBatch(options);
  for (const entry of messages) {
    if (batch.tryAddMessage(entry.message)) continue;
    if (batch.count > 0) {
      await sender.sendMessages(batch, options);
      summary.published += batch.count;
      summary.batches += 1;
      throwIfShuttingDown(signal);
      batch = await sender.createMessageBatch(options);
      if (batch.tryAddMessage(entry.message)) continue;
    }
    tooLarge(entry, batch.maxSizeInBytes);
  }
  if (batch.count > 0) {
    await sender.sendMessages(batch, options);
    summary.published += batch.count;
    summary.batches += 1;
  }
}
