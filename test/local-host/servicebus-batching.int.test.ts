/**
 * How the local host forms session batches, as the Service Bus extension's batch loop does: messages are held until
 * `minMessageBatchSize` are there (then at most `maxMessageBatchSize` go out), and what is held goes out when the
 * session goes idle; a function that keeps the event loop busy does not cost any session its lock.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ServiceBusClient, type ServiceBusSender } from '@azure/service-bus';
import { startLocalStack, type LocalStack } from '../../local-stack/stack.js';
import { startLocalHost, type LocalHost } from '../../local-host/index.js';
import { recorder, waitFor } from '../fixtures/local-host/recorder.js';
import { captureLog, fixture, uniqueName } from './helpers.js';

let stack: LocalStack;
let client: ServiceBusClient;
let sender: ServiceBusSender;
let host: LocalHost;
const log = captureLog();

beforeAll(async () => {
  stack = await startLocalStack({ serviceBusConfig: fixture('servicebus.config.json') });
  client = new ServiceBusClient(stack.settings.SERVICEBUS_CONNECTION_STRING);
  sender = client.createSender('lh-events');
  host = await startLocalHost({
    files: [fixture('servicebus-batching.ts')],
    settings: { LH_SERVICEBUS: stack.settings.SERVICEBUS_CONNECTION_STRING },
    hostJson: {
      version: '2.0',
      extensions: {
        serviceBus: {
          maxConcurrentSessions: 4,
          maxMessageBatchSize: 5,
          minMessageBatchSize: 4,
          // Long enough that only the idle timeout releases a short batch in these tests.
          maxBatchWaitTime: '00:00:30',
          sessionIdleTimeout: '00:00:01',
        },
      },
    },
    log: log.sink,
  });
});

afterAll(async () => {
  await host?.close();
  await client?.close();
  await stack?.close();
});

beforeEach(() => recorder.reset());

/** Each batch's message ids, from the trigger metadata the function got with it. */
const batchesOf = (sessionId: string): string[][] =>
  recorder
    .calls('sbBatching')
    .filter((call) => (call.triggerMetadata?.['sessionIdArray'] as string[])[0] === sessionId)
    .map((call) => call.triggerMetadata?.['messageIdArray'] as string[]);
const send = (sessionId: string, ids: string[], body: Record<string, unknown> = {}) =>
  sender.sendMessages(
    ids.map((messageId) => ({
      body: Buffer.from(JSON.stringify(body)),
      sessionId,
      messageId,
      subject: 'sessions', // the subscription's filter
    })),
  );

describe('session batches on the local host', () => {
  it('holds messages from separate receives until the session goes idle, then hands them over in order', async () => {
    const session = uniqueName('held');
    for (const id of ['h1', 'h2', 'h3']) {
      await send(session, [`${session}-${id}`]);
      // elapsed: later than a receive's batch wait, so the three arrive in separate receives
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await waitFor('the held batch', () => batchesOf(session).length > 0);
    expect(batchesOf(session)).toEqual([[`${session}-h1`, `${session}-h2`, `${session}-h3`]]);
  });

  it('hands over at most maxMessageBatchSize once minMessageBatchSize are there, the rest when idle', async () => {
    const session = uniqueName('full');
    const ids = Array.from({ length: 7 }, (_, index) => `${session}-${index}`);
    await send(session, ids);
    await waitFor('all seven', () => batchesOf(session).flat().length >= 7);
    expect(batchesOf(session)).toEqual([ids.slice(0, 5), ids.slice(5)]);
  });

  it('keeps every session when a function blocks the event loop while others receive', async () => {
    // Other sessions keep receiving small batches while one function blocks the event loop now and then: a receive
    // must not lose its session (and hand its batch out again) because the host was busy when the broker answered.
    const busy = uniqueName('busy');
    const light = [uniqueName('light'), uniqueName('light'), uniqueName('light')];
    const expected = new Map<string, string[]>([
      [busy, []],
      ...light.map((session) => [session, []] as [string, string[]]),
    ]);
    for (let round = 0; round < 12; round += 1) {
      for (const session of light) {
        const id = `${session}-${round}`;
        expected.get(session)?.push(id);
        await send(session, [id]);
      }
      if (round % 3 === 0) {
        const id = `${busy}-${round}`;
        expected.get(busy)?.push(id);
        await send(busy, [id], { busyMs: 300 });
      }
      // elapsed: the workload's pacing, small batches arriving while one function blocks
      await new Promise((resolve) => setTimeout(resolve, 60));
    }
    const all = [...expected.values()].flat().length;
    await waitFor('every message', () => [...expected.keys()].flatMap(batchesOf).flat().length >= all, 30_000);
    await waitFor(
      'the subscription to be empty',
      () => stack.serviceBus.counts.subscription('lh-events', 'sessions')?.activeMessageCount === 0,
    );
    // Each message was handed out once, in order: no lost session lock made the entity deliver a batch again.
    for (const [session, ids] of expected) expect(batchesOf(session).flat()).toEqual(ids);
    expect(log.lines.filter((line) => line['level'] === 'error')).toEqual([]);
  });
});
