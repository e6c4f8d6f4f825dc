/**
 * The publish path of a source function: map a change-feed batch to events, send them in as few Service Bus batches
 * as fit, in feed order, and quarantine what can never be sent. It returns only when every item is either accepted
 * by Service Bus or quarantined; any other failure throws, so the trigger's retry policy keeps the lease where it was
 * (re-sent events are dropped by duplicate detection, their message ids being deterministic). An event too large for
 * one message is stored in the claim container first and sent as a reference (send-batches.ts, docs/claim-check.md).
 */
import type { ServiceBusMessage, ServiceBusSender } from '@azure/service-bus';
import { ClaimCheckError } from '../claims/errors.js';
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
import { addressedTo, replayMessageId, type ReplayKind } from '../events/replay.js';
import type { ClaimCheckDeps, PendingMessage } from './claim-uploads.js';
import type { QuarantineEntry, QuarantineStore } from './quarantine.js';
import { sendInBatches } from './send-batches.js';
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
  /** Where events too large for one message go before their reference is sent: the claim container and its cap. */
  claims: ClaimCheckDeps;
  sessionBuckets: number;
  logger: Logger;
  now?: () => Date;
  /** Aborted when the app shuts down: sending stops and the invocation fails, so the change feed hands it over again. */
  signal?: AbortSignal;
  /**
   * Sends every event to this one subscription only (backfill, repair), with message ids of their own: see
   * shared/events/replay.ts. Absent on the live path, where every subscription receives every event.
   */
  addressTo?: { subscription: string; kind: ReplayKind };
}

export interface PublishSummary {
  items: number;
  published: number;
  /** Service Bus batches sent. */
  batches: number;
  /** Of `published`, events sent as a claim-check reference (stored in the claim container). */
  claimChecked: number;
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
    claimChecked: 0,
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
      const message = buildMessage(mapped.event, messageOptions, deps.addressTo);
      if (message) {
        const bytes = message.body as Buffer;
        messages.push({ message, bytes, event: mapped.event, item, documentId: mapped.event.documentId });
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

  const tooLarge = (entry: PendingMessage, reason: string) =>
    quarantines.push({
      source: source.name,
      code: 'TOO_LARGE',
      reason,
      documentId: entry.documentId,
      item: entry.item,
      quarantinedAt: now.toISOString(),
    });
  try {
    const claimChecked = (entry: PendingMessage, blob: string) =>
      deps.logger.info('event.claim_checked', {
        source: source.name,
        eventId: entry.event.eventId,
        documentId: entry.documentId,
        bytes: entry.bytes.length,
        container: deps.claims.store.container,
        blob,
      });
    const sendDeps = { sender: deps.sender, claims: deps.claims, signal: deps.signal, tooLarge, claimChecked };
    await sendInBatches(sendDeps, messages, summary);
  } catch (error) {
    throwIfShuttingDown(deps.signal);
    const detail = messageOf(error);
    // Retrying is safe either way: a claim blob is named by its content, and sent events are dropped as duplicates.
    if (error instanceof ClaimCheckError) {
      throw new PublishError(
        'CLAIM_UPLOAD_FAILED',
        `storing an event too large for one message failed after ${summary.published} of ${messages.length} events were sent: ${detail}`,
        { cause: error },
      );
    }
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
    claimChecked: summary.claimChecked,
    quarantined: summary.quarantined,
  });
  return summary;
}

/** The message, or undefined when the event cannot be serialised: a verdict about the document, not an error. */
function buildMessage(
  event: ChangeEvent,
  options: MessageOptions,
  addressTo: PublisherDeps['addressTo'],
): ServiceBusMessage | undefined {
  try {
    const message = toServiceBusMessage(event, options);
    if (addressTo === undefined) return message;
    const { subscription, kind } = addressTo;
    return addressedTo(message, subscription, kind, replayMessageId(kind, subscription, event.eventId));
  } catch (error) {
    if (error instanceof TypeError) return undefined;
    throw error;
  }
}
