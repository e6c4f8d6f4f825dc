/**
 * Shared by the `deadletters` tests: the CLI run in-process with captured output and an interrupt the test controls,
 * app settings with two targets on a local stack, and ways to make dead letters of both kinds through the real SDKs.
 */
import { randomUUID } from 'node:crypto';
import type { ServiceBusClient, ServiceBusMessage } from '@azure/service-bus';
import { runCli, type CliIo } from '../../cli/program.js';
import { sampleAppSettings } from '../../dev/sample-app.js';
import type { LocalStackSettings } from '../../local-stack/stack.js';
import { createBlobServiceClient } from '../../shared/clients/blobs.js';
import { tableClientFor } from '../../shared/clients/tables.js';
import type { ChangeEvent } from '../../shared/events/envelope.js';
import { StoragePoisonStore } from '../../shared/poison/store.js';
import { toServiceBusMessage } from '../../shared/publish/to-message.js';
import { makeEvent } from '../support/events.js';

export const TOPIC = 'cosmos-sync-events';
/** The second target of the test settings: a webhook on the local broker's `webhook-target` subscription. */
export const HOOK = { name: 'hook', subscription: 'webhook-target' } as const;
export const COPY = { name: 'orders-copy', subscription: 'cosmos-target' } as const;
export const WEBHOOK_SECRET = 'a-test-secret-that-is-long-enough-0123456789';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env: Record<string, string>;
  /** Called with each stderr write (progress lines on a terminal); abort through `controller`. */
  onStderr?: (text: string, controller: AbortController) => void;
  stdoutIsTTY?: boolean;
}

/** Runs `cosmos-sync <argv>` in-process, as cli/main.ts would, with an interrupt signal the test can abort. */
export async function cli(argv: readonly string[], options: RunOptions): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const controller = new AbortController();
  const io: CliIo = {
    stdout: { write: (text: string) => (stdout += text), isTTY: options.stdoutIsTTY ?? false },
    // A terminal, so every progress step is written (and a test can interrupt after a given one).
    stderr: {
      isTTY: true,
      write: (text: string) => {
        stderr += text;
        options.onStderr?.(text, controller);
      },
    },
    env: { ...options.env, NO_COLOR: '1' },
    signal: controller.signal,
  };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

/** The sample app's settings plus the webhook target, with a poison table and container of their own. */
export function twoTargetSettings(
  stack: LocalStackSettings,
  webhookUrl = 'http://127.0.0.1:9/hook',
): Record<string, string> {
  const settings = sampleAppSettings(stack);
  const suffix = randomUUID().replaceAll('-', '').slice(0, 12);
  return {
    ...settings,
    COSMOS_SYNC_TARGETS: JSON.stringify([
      ...(JSON.parse(settings['COSMOS_SYNC_TARGETS'] ?? '[]') as unknown[]),
      { name: HOOK.name, type: 'webhook', subscription: HOOK.subscription, url: webhookUrl, retryAttempts: 1 },
    ]),
    COSMOS_SYNC_WEBHOOK_SECRET: WEBHOOK_SECRET,
    COSMOS_SYNC_POISON_TABLE: `poison${suffix}`,
    COSMOS_SYNC_QUARANTINE_CONTAINER: `quarantine-${suffix}`,
  };
}

/** An event of the sample source as the publisher sends it. */
export function eventMessage(id: string, lsn: number): { event: ChangeEvent; message: ServiceBusMessage } {
  const event = makeEvent({ id, pk: `c-${id}`, lsn, source: 'orders', data: { type: 'order', total: lsn } });
  return { event, message: toServiceBusMessage(event, { sessionBuckets: 16, typeField: 'type' }) };
}

/**
 * Publishes the messages (every subscription gets them), then moves them into the dead-letter queue of
 * `subscription` with the given reason, as Service Bus does after MaxDeliveryCount. Returns their sequence numbers.
 */
export async function deadLetter(
  client: ServiceBusClient,
  subscription: string,
  messages: readonly ServiceBusMessage[],
  reason = 'MaxDeliveryCountExceeded',
): Promise<string[]> {
  const sender = client.createSender(TOPIC);
  await sender.sendMessages([...messages]);
  await sender.close();
  const receiver = client.createReceiver(TOPIC, subscription);
  const wanted = new Set(messages.map((message) => String(message.messageId)));
  const sequences: string[] = [];
  for (let round = 0; wanted.size > 0; round += 1) {
    if (round === 5) throw new Error(`messages ${[...wanted].join(', ')} never reached ${subscription} (duplicates?)`);
    for (const message of await receiver.receiveMessages(wanted.size, { maxWaitTimeInMs: 10_000 })) {
      if (wanted.delete(String(message.messageId))) {
        await receiver.deadLetterMessage(message, {
          deadLetterReason: reason,
          deadLetterErrorDescription: `delivered 10 times: target ${subscription} was down`,
        });
        sequences.push(message.sequenceNumber?.toString() ?? '');
      } else {
        await receiver.completeMessage(message);
      }
    }
  }
  await receiver.close();
  return sequences;
}

/** The poison store of `settings`, as the subscriber writes it. */
export function poisonStoreOf(settings: Record<string, string>) {
  const storage = {
    kind: 'connectionString',
    setting: 'AzureWebJobsStorage',
    connectionString: settings['AzureWebJobsStorage'] ?? '',
  } as const;
  const table = tableClientFor(storage, settings['COSMOS_SYNC_POISON_TABLE'] ?? '');
  const container = createBlobServiceClient(storage).getContainerClient(
    settings['COSMOS_SYNC_QUARANTINE_CONTAINER'] ?? '',
  );
  return { table, container, store: new StoragePoisonStore(table, container) };
}

/** A poison record for `event` (or for a body that is no event), as the subscriber of `target` records one. */
export function poisonRecord(target: string, body: Buffer, fields: { messageId: string; event?: ChangeEvent }) {
  const event = fields.event;
  return {
    target,
    reason: event ? 'WEBHOOK_422' : 'InvalidEvent',
    description: event ? 'the receiver refused the event: 422 {"error":"refused"}' : 'body is not JSON',
    messageId: fields.messageId,
    eventId: event?.eventId,
    source: event?.source.name,
    documentKey: event ? JSON.stringify({ documentId: event.documentId, partitionKey: event.partitionKey }) : undefined,
    sessionId: 'bucket-03',
    correlationId: event?.correlationId,
    deliveryCount: 1,
    enqueuedTimeUtc: new Date(Date.now() - 60_000),
    sequenceNumber: '7',
    recordedAt: new Date(Date.now() - 30_000),
    body,
  };
}
