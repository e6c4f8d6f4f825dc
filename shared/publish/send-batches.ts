/**
 * Sends pending messages in as few Service Bus batches as fit, in feed order, one batch after the other, so events of
 * one session reach Service Bus in the order they were read.
 *
 * The size decision is the link's: a message that does not fit an empty batch (`maxSizeInBytes` of a batch from
 * `createMessageBatch`, which the namespace reports: 256 KB on Standard, up to 100 MB on Premium) goes through the
 * claim check. A body alone larger than that limit is known not to fit without trying, so it neither flushes the
 * batch being filled nor waits to be uploaded; for the rare message just under it (its properties tip it over), an
 * empty batch is the test. Messages that fit cost two length comparisons more than before, nothing else.
 */
import type { ServiceBusMessageBatch } from '@azure/service-bus';
import { scopedSignal } from '../claims/scoped-signal.js';
import { throwIfShuttingDown } from '../lifecycle/shutdown.js';
import { ClaimUploads, type ClaimCheckDeps, type PendingMessage } from './claim-uploads.js';
import type { PublisherDeps, PublishSummary } from './publisher.js';

export interface SendDeps {
  sender: PublisherDeps['sender'];
  claims: ClaimCheckDeps;
  signal: AbortSignal | undefined;
  /** A message that can never be sent, with why: the publisher quarantines its item. */
  tooLarge: (entry: PendingMessage, reason: string) => void;
  /** An event sent as a reference to the claim blob `blob`. */
  claimChecked: (entry: PendingMessage, blob: string) => void;
}

export async function sendInBatches(
  deps: SendDeps,
  messages: readonly PendingMessage[],
  summary: PublishSummary,
): Promise<void> {
  if (messages.length === 0) return;
  const { sender, signal } = deps;
  const options = { abortSignal: signal };
  throwIfShuttingDown(signal);
  const batch = await sender.createMessageBatch(options);
  const uploads = scopedSignal(signal);
  try {
    await sendAll(deps, messages, summary, batch, new ClaimUploads(deps.claims, uploads.signal));
  } finally {
    uploads.end();
  }
}

async function sendAll(
  deps: SendDeps,
  messages: readonly PendingMessage[],
  summary: PublishSummary,
  first: ServiceBusMessageBatch,
  claims: ClaimUploads,
): Promise<void> {
  const { sender, signal } = deps;
  const options = { abortSignal: signal };
  let batch = first;
  const limit = batch.maxSizeInBytes;
  claims.prefetch(messages.filter((entry) => entry.bytes.length > limit));

  const send = async (): Promise<void> => {
    await sender.sendMessages(batch, options);
    summary.published += batch.count;
    summary.batches += 1;
    throwIfShuttingDown(signal);
    batch = await sender.createMessageBatch(options);
  };
  /** Adds `message`, sending the batch first when it is full; false when not even an empty batch takes it. */
  const add = async (message: PendingMessage['message']): Promise<boolean> => {
    if (batch.tryAddMessage(message)) return true;
    if (batch.count === 0) return false;
    await send();
    return batch.tryAddMessage(message);
  };

  for (const entry of messages) {
    if (entry.bytes.length <= limit && (await add(entry.message))) continue;
    const claimed = await claims.claim(entry);
    if (!claimed.ok) {
      deps.tooLarge(entry, claimed.reason);
      continue;
    }
    if (await add(claimed.message)) {
      summary.claimChecked += 1;
      deps.claimChecked(entry, claimed.blob);
      continue;
    }
    deps.tooLarge(entry, `not even its claim-check reference fits a message of this namespace (${limit} bytes)`);
  }
  if (batch.count > 0) {
    await sender.sendMessages(batch, options);
    summary.published += batch.count;
    summary.batches += 1;
  }
}
