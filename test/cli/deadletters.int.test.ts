/**
 * `cosmos-sync deadletters` on the local stack, without the function app: dead letters made through the real SDKs
 * (the subscription's dead-letter queue, the poison store), then list, show, replay and purge, and what each leaves
 * in the subscriptions, the queue and the store.
 */
import { randomUUID } from 'node:crypto';
import { ServiceBusClient, type ServiceBusReceivedMessage } from '@azure/service-bus';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startLocalStack, type LocalStack } from '../../local-stack/stack.js';
import { REPLAY_KIND_PROPERTY, REPLAY_TO_PROPERTY, replayMessageId } from '../../shared/events/replay.js';
import { countPoison } from '../../shared/poison/count.js';
import { poisonBlobName } from '../../shared/poison/record.js';
import {
  cli,
  COPY,
  deadLetter,
  eventMessage,
  HOOK,
  poisonRecord,
  poisonStoreOf,
  TOPIC,
  twoTargetSettings,
} from './deadletters-support.js';

let stack: LocalStack;
let client: ServiceBusClient;
let settings: Record<string, string>;

beforeAll(async () => {
  stack = await startLocalStack();
  client = new ServiceBusClient(stack.settings.SERVICEBUS_CONNECTION_STRING, {
    retryOptions: { maxRetries: 1, retryDelayInMs: 100, timeoutInMs: 10_000 },
  });
});
afterAll(async () => {
  await client?.close();
  await stack?.close();
});

const counts = (subscription: string) => stack.serviceBus.counts.subscription(TOPIC, subscription);

/** Empties both subscriptions and their dead-letter queues; each test gets a poison table of its own. */
async function drain(): Promise<void> {
  for (const subscription of [HOOK.subscription, COPY.subscription]) {
    for (const subQueue of [undefined, 'deadLetter'] as const) {
      const receiver = client.createReceiver(TOPIC, subscription, {
        receiveMode: 'receiveAndDelete',
        ...(subQueue ? { subQueueType: subQueue } : {}),
      });
      const left = () =>
        (subQueue ? counts(subscription)?.deadLetterMessageCount : counts(subscription)?.activeMessageCount) ?? 0;
      // Asking for exactly what is there returns as soon as it arrived.
      while (left() > 0) await receiver.receiveMessages(left(), { maxWaitTimeInMs: 10_000 });
      await receiver.close();
    }
  }
}

beforeEach(async () => {
  await drain();
  settings = twoTargetSettings(stack.settings);
});

const run = (...argv: string[]) => cli(argv, { env: settings });

/**
 * What the subscription holds now, by peeking. A client of its own each time: the SDK goes on peeking where the
 * client's last peek of the same entity stopped, whichever receiver made it.
 */
async function peekAll(subscription: string): Promise<ServiceBusReceivedMessage[]> {
  const peeker = new ServiceBusClient(stack.settings.SERVICEBUS_CONNECTION_STRING);
  try {
    const receiver = peeker.createReceiver(TOPIC, subscription, { skipParsingBodyAsJson: true });
    return await receiver.peekMessages(1_000);
  } finally {
    await peeker.close();
  }
}

/** Two dead-lettered events and two poison records (one event, one body that is not JSON) for the hook target. */
async function makeDeadLetters() {
  // Ids of their own per test: the topic drops a message id it saw within its duplicate detection window.
  const suffix = randomUUID().slice(0, 8);
  const one = eventMessage(`one-${suffix}`, 11);
  const two = eventMessage(`two-${suffix}`, 12);
  const sequences = await deadLetter(client, HOOK.subscription, [one.message, two.message]);
  const three = eventMessage(`three-${suffix}`, 13);
  const { store, table, container } = poisonStoreOf(settings);
  const garbage = Buffer.from([0x7b, 0xff, 0x1b, 0x5b, 0x32, 0x4a]);
  await store.record([
    poisonRecord(HOOK.name, Buffer.from(JSON.stringify(three.event)), {
      messageId: `m-three-${suffix}`,
      event: three.event,
    }),
    poisonRecord(HOOK.name, garbage, { messageId: `m-garbage-${suffix}` }),
  ]);
  // Messages the replays must never reach: what the other target's subscription holds before.
  await drainSubscription(COPY.subscription);
  const keys = { three: `m-three-${suffix}`, garbage: `m-garbage-${suffix}` };
  return { one, two, three, sequences, table, container, garbage, keys };
}

async function drainSubscription(subscription: string): Promise<void> {
  const receiver = client.createReceiver(TOPIC, subscription, { receiveMode: 'receiveAndDelete' });
  const left = () => counts(subscription)?.activeMessageCount ?? 0;
  while (left() > 0) await receiver.receiveMessages(left(), { maxWaitTimeInMs: 10_000 });
  await receiver.close();
}

describe('deadletters list', () => {
  it('lists both kinds with reason, delivery count, event id, key, age and ids; --json says the same', async () => {
    const { one, three, sequences, keys } = await makeDeadLetters();
    const text = await run('deadletters', 'list', '--target', HOOK.name);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^ID\s+KIND\s+REASON\s+DELIVERIES\s+AGE\s+KEY\s+EVENT ID/);
    expect(text.stdout).toContain(`dlq:${sequences[0]}`);
    expect(text.stdout).toContain('MaxDeliveryCountExceeded');
    expect(text.stdout).toContain(`poison:${keys.three}`);
    expect(text.stdout).toContain('WEBHOOK_422');
    expect(text.stdout).toContain(
      '4 dead letters of target hook: 2 messages in the dead-letter queue of subscription webhook-target, 2 poison records',
    );

    const json = await run('deadletters', 'list', '--target', HOOK.name, '--json');
    expect(json.code).toBe(0);
    const listed = JSON.parse(json.stdout) as { subscription: string; items: Record<string, unknown>[] };
    expect(listed.subscription).toBe(HOOK.subscription);
    expect(listed.items.map((item) => item['id'])).toEqual([
      `dlq:${sequences[0]}`,
      `dlq:${sequences[1]}`,
      `poison:${keys.garbage}`,
      `poison:${keys.three}`,
    ]);
    expect(listed.items[0]).toMatchObject({
      kind: 'dlq',
      reason: 'MaxDeliveryCountExceeded',
      description: 'delivered 10 times: target webhook-target was down',
      deliveryCount: 1,
      eventId: one.event.eventId,
      source: 'orders',
      documentKey: JSON.stringify({ documentId: one.event.documentId, partitionKey: one.event.partitionKey }),
      messageId: one.event.eventId,
      sequenceNumber: sequences[0],
      ageSeconds: expect.any(Number) as unknown,
    });
    expect(listed.items[3]).toMatchObject({ kind: 'poison', reason: 'WEBHOOK_422', eventId: three.event.eventId });
    // Listing peeks: nothing was locked or counted as a delivery.
    expect(counts(HOOK.subscription)?.deadLetterMessageCount).toBe(2);
  });

  it('filters by kind, reason, event id and age, and stops at --limit', async () => {
    const { two, sequences, keys } = await makeDeadLetters();
    const poisonIds = [`poison:${keys.garbage}`, `poison:${keys.three}`];
    const ids = async (...filters: string[]) => {
      const result = await run('deadletters', 'list', '--target', HOOK.name, '--json', ...filters);
      expect(result.code).toBe(0);
      return (JSON.parse(result.stdout) as { items: { id: string }[]; truncated: boolean }).items.map((i) => i.id);
    };
    expect(await ids('--kind', 'poison')).toEqual(poisonIds);
    expect(await ids('--reason', 'maxdeliverycountexceeded')).toEqual(sequences.map((s) => `dlq:${s}`));
    expect(await ids('--event-id', two.event.eventId)).toEqual([`dlq:${sequences[1]}`]);
    // The records were written 30 s ago, the messages just now.
    expect(await ids('--older-than', '20s')).toEqual(poisonIds);
    expect(await ids('--newer-than', '20s')).toEqual(sequences.map((s) => `dlq:${s}`));
    const limited = await run('deadletters', 'list', '--target', HOOK.name, '--limit', '3');
    expect(limited.stdout).toContain('more match: raise --limit to see them');
  });

  it('says so when there is nothing', async () => {
    const result = await run('deadletters', 'list', '--target', COPY.name);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(result.stdout).toContain('0 dead letters of target orders-copy: 0 messages in the dead-letter queue');
  });
});

describe('deadletters show', () => {
  it('shows a dead-lettered message in full, its JSON body pretty-printed, by id or by event id', async () => {
    const { one, sequences } = await makeDeadLetters();
    const shown = await run('deadletters', 'show', `dlq:${sequences[0]}`, '--target', HOOK.name);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('in the dead-letter queue of subscription webhook-target');
    expect(shown.stdout).toMatch(/reason\s+MaxDeliveryCountExceeded/);
    expect(shown.stdout).toContain('"DeadLetterReason": "MaxDeliveryCountExceeded"');
    expect(shown.stdout).toContain(`body (${one.message.body.length} bytes, JSON):`);
    expect(shown.stdout).toContain(`  "documentId": "${one.event.documentId}",`);
    const byEvent = await run('deadletters', 'show', one.event.eventId, '--target', HOOK.name, '--json');
    expect(JSON.parse(byEvent.stdout)).toMatchObject({
      item: { id: `dlq:${sequences[0]}` },
      properties: { subject: 'upsert', contentType: 'application/json', applicationProperties: { source: 'orders' } },
      body: { encoding: 'json', value: { eventId: one.event.eventId } },
    });
  });

  it('shows a body that is neither JSON nor text safely, escapes and all', async () => {
    const { garbage, keys } = await makeDeadLetters();
    const shown = await run('deadletters', 'show', `poison:${keys.garbage}`, '--target', HOOK.name);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('body (6 bytes, not UTF-8 text; base64):');
    expect(shown.stdout).toContain(garbage.toString('base64'));
    expect(shown.stdout).not.toContain('\u001b');
    const json = JSON.parse(
      (await run('deadletters', 'show', `poison:${keys.garbage}`, '--target', HOOK.name, '--json')).stdout,
    );
    expect(json).toMatchObject({ body: { encoding: 'base64', bytes: 6, data: garbage.toString('base64') } });
  });

  it('exits 1 naming how ids look when nothing matches', async () => {
    const result = await run('deadletters', 'show', 'dlq:999', '--target', HOOK.name);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('no dead letter "dlq:999" for target hook — ids look like dlq:12 or poison:<key>');
  });
});

describe('deadletters replay', () => {
  it('--dry-run lists what would be sent, with the replay ids, and sends nothing', async () => {
    const { sequences, one, keys } = await makeDeadLetters();
    const result = await run('deadletters', 'replay', '--target', HOOK.name, '--dry-run', '--json');
    expect(result.code).toBe(0);
    const parsed = JSON.parse(result.stdout) as { dryRun: boolean; items: { id: string; replayMessageId: string }[] };
    expect(parsed.dryRun).toBe(true);
    expect(parsed.items[0]?.replayMessageId).toBe(
      replayMessageId('replay', HOOK.subscription, `dlq:${one.event.eventId}#${sequences[0]}`),
    );
    expect(parsed.items[3]?.replayMessageId).toBe(replayMessageId('replay', HOOK.subscription, `poison:${keys.three}`));
    expect(counts(HOOK.subscription)).toMatchObject({ activeMessageCount: 0, deadLetterMessageCount: 2 });
  });

  it('sends every dead letter to its target only, as it was, then removes it from the queue and the store', async () => {
    const { one, three, sequences, table, container, keys } = await makeDeadLetters();
    const before = (await peekAll(HOOK.subscription)).length;
    const result = await run('deadletters', 'replay', '--target', HOOK.name);
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('sent 4, skipped 0, failed 0 of 4 (target hook, subscription webhook-target)');
    expect(result.stderr).toMatch(/replay \[#{24}\] 4\/4/);

    const replays = (await peekAll(HOOK.subscription)).slice(before);
    expect(replays.map((message) => message.applicationProperties?.[REPLAY_TO_PROPERTY])).toEqual(
      Array(4).fill('webhook-target'),
    );
    expect(replays.map((message) => message.applicationProperties?.[REPLAY_KIND_PROPERTY])).toEqual(
      Array(4).fill('replay'),
    );
    const [first, , third, fourth] = replays;
    expect(first).toMatchObject({
      messageId: replayMessageId('replay', HOOK.subscription, `dlq:${one.event.eventId}#${sequences[0]}`),
      subject: 'upsert',
      contentType: 'application/json',
      sessionId: one.message.sessionId,
      applicationProperties: { source: 'orders', operation: 'upsert', type: 'order', schemaVersion: 1 },
    });
    expect(Buffer.from(first?.body as Uint8Array).equals(one.message.body as Buffer)).toBe(true);
    expect(first?.applicationProperties).not.toHaveProperty('DeadLetterReason');
    // A body that is no event goes as it is, byte for byte, with what the record knows.
    expect(third).toMatchObject({
      messageId: replayMessageId('replay', HOOK.subscription, `poison:${keys.garbage}`),
      sessionId: 'bucket-03',
    });
    expect(fourth).toMatchObject({
      messageId: replayMessageId('replay', HOOK.subscription, `poison:${keys.three}`),
      subject: 'upsert',
      sessionId: 'bucket-03',
      applicationProperties: { source: 'orders', type: 'order' },
    });
    expect(JSON.parse(Buffer.from(fourth?.body as Uint8Array).toString('utf8'))).toEqual(three.event);

    expect(counts(COPY.subscription)?.activeMessageCount).toBe(0);
    expect(counts(HOOK.subscription)?.deadLetterMessageCount).toBe(0);
    await expect(countPoison(table, HOOK.name)).resolves.toBe(0);
    await expect(container.getBlobClient(poisonBlobName(HOOK.name, keys.three)).exists()).resolves.toBe(false);
  });

  it('replays only what the filters select and leaves the rest where it was', async () => {
    const { two, sequences, table, keys } = await makeDeadLetters();
    const result = await run('deadletters', 'replay', '--target', HOOK.name, '--event-id', two.event.eventId, '--json');
    expect(result.code).toBe(0);
    expect(JSON.parse(result.stdout)).toMatchObject({
      selected: 1,
      sent: 1,
      skipped: 0,
      failed: 0,
      interrupted: false,
    });
    const left = JSON.parse((await run('deadletters', 'list', '--target', HOOK.name, '--json')).stdout) as {
      items: { id: string }[];
    };
    expect(left.items.map((item) => item.id)).toEqual([
      `dlq:${sequences[0]}`,
      `poison:${keys.garbage}`,
      `poison:${keys.three}`,
    ]);
    await expect(countPoison(table, HOOK.name)).resolves.toBe(2);
  });

  it('stops after the current step on Ctrl-C; the same command again finishes, nothing sent twice', async () => {
    await makeDeadLetters();
    const before = (await peekAll(HOOK.subscription)).length;
    const interrupted = await cli(['deadletters', 'replay', '--target', HOOK.name, '--batch-size', '1'], {
      env: settings,
      // Ctrl-C as soon as the first item is done: the run must stop before the second.
      onStderr: (text, controller) => {
        if (/ 1\/4 /.test(text)) controller.abort(new Error('SIGINT'));
      },
    });
    expect(interrupted.code).toBe(130);
    expect(interrupted.stdout).toContain('sent 1, skipped 0, failed 0 of 4');
    expect(interrupted.stderr).toContain('interrupted after 1 of 4');
    expect(counts(HOOK.subscription)?.deadLetterMessageCount).toBe(1);

    const resumed = await run('deadletters', 'replay', '--target', HOOK.name);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toContain('sent 3, skipped 0, failed 0 of 3');
    const ids = (await peekAll(HOOK.subscription)).slice(before).map((message) => String(message.messageId));
    expect(ids).toHaveLength(4);
    expect(new Set(ids).size).toBe(4);
  });

  it('does not send twice what a run sent but could not settle (same replay id, dropped by the topic)', async () => {
    const { one, two, sequences } = await makeDeadLetters();
    // A run that sent the replay of dlq:<first> and stopped before completing it.
    const replayId = replayMessageId('replay', HOOK.subscription, `dlq:${one.event.eventId}#${sequences[0]}`);
    const sender = client.createSender(TOPIC);
    await sender.sendMessages({
      ...one.message,
      messageId: replayId,
      applicationProperties: { [REPLAY_TO_PROPERTY]: HOOK.subscription },
    });
    await sender.close();
    const before = (await peekAll(HOOK.subscription)).length;
    const result = await run('deadletters', 'replay', '--target', HOOK.name, '--kind', 'dlq');
    expect(result.stdout).toContain('sent 2, skipped 0, failed 0 of 2');
    const added = (await peekAll(HOOK.subscription)).slice(before).map((message) => String(message.messageId));
    expect(added).toEqual([replayMessageId('replay', HOOK.subscription, `dlq:${two.event.eventId}#${sequences[1]}`)]);
  });
});

describe('deadletters purge', () => {
  it('needs --yes, says how many it would delete, lists them with --dry-run, then deletes both kinds', async () => {
    const { table } = await makeDeadLetters();
    const refused = await run('deadletters', 'purge', '--target', HOOK.name);
    expect(refused.code).toBe(64);
    expect(refused.stderr).toContain(
      'purge would delete 4 dead letters of target hook for good (2 from the dead-letter queue, 2 poison records); add --yes',
    );
    const dry = await run('deadletters', 'purge', '--target', HOOK.name, '--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain('dry run: would delete 4 dead letters for good; nothing was changed');
    expect(counts(HOOK.subscription)?.deadLetterMessageCount).toBe(2);

    const purged = await run('deadletters', 'purge', '--target', HOOK.name, '--yes', '--json');
    expect(purged.code).toBe(0);
    expect(JSON.parse(purged.stdout)).toMatchObject({ selected: 4, deleted: 4, skipped: 0, failed: 0 });
    expect(counts(HOOK.subscription)?.deadLetterMessageCount).toBe(0);
    await expect(countPoison(table, HOOK.name)).resolves.toBe(0);
    // Purging sends nothing.
    expect(counts(HOOK.subscription)?.activeMessageCount).toBe(0);
    expect(counts(COPY.subscription)?.activeMessageCount).toBe(0);
  });
});

describe('deadletters when a service is missing', () => {
  it('names the Service Bus endpoint and the next step, exit 2', async () => {
    const broken = { ...settings, ServiceBus: settings['ServiceBus']?.replace(/:\d+;/, ':9;') ?? '' };
    const result = await cli(['deadletters', 'list', '--target', HOOK.name], { env: broken });
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(
      /^error: DEADLETTERS_SERVICEBUS_UNREACHABLE: cannot reach Service Bus at sb:\/\/127\.0\.0\.1:9 to peek the dead-letter queue — locally, start the app with `npm start`/,
    );
  });

  it('names the storage endpoint and the next step, exit 2', async () => {
    const broken = {
      ...settings,
      AzureWebJobsStorage: (settings['AzureWebJobsStorage'] ?? '').replace(
        /TableEndpoint=http:\/\/127\.0\.0\.1:\d+/,
        'TableEndpoint=http://127.0.0.1:9',
      ),
    };
    const result = await cli(['deadletters', 'list', '--target', HOOK.name, '--kind', 'poison'], { env: broken });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'error: DEADLETTERS_STORAGE_UNREACHABLE: cannot reach storage at http://127.0.0.1:9',
    );
  });
});
