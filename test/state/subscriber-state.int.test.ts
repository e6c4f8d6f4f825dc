/**
 * What subscribers record about latency and errors, end to end through real peers: messages sent to and received
 * from the local Service Bus broker (so enqueue times are the broker's), the runner with an in-memory target, the
 * state recorder and reader and the poison store on Azurite. The test settles as the Service Bus binding does: the
 * whole batch completed when the runner returns, abandoned when it throws.
 */
import type { ServiceBusReceivedMessage } from '@azure/service-bus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAzurite, type LocalAzurite } from '../../local-stack/azurite.js';
import { tableClientFor } from '../../shared/clients/tables.js';
import { ENQUEUE_LAG_BUCKET_BOUNDS, emptyHistogram, observe } from '../../shared/state/histogram.js';
import { readTargetStates } from '../../shared/state/reader.js';
import { TableStateRecorder } from '../../shared/state/recorder.js';
import { blobContainerFor } from '../../shared/clients/blobs.js';
import { StoragePoisonStore } from '../../shared/poison/store.js';
import type { Delivery } from '../../shared/subscribe/delivery.js';
import { processBatch } from '../../shared/subscribe/runner.js';
import { MemoryTarget } from '../support/memory-target.js';
import { problems, startTestBroker, type TestBroker } from '../local-stack/support/servicebus-test-broker.js';
import { makeEvent, type EventSpec } from '../support/events.js';
import { captureLogger, randomTableName, storageConnection } from './helpers.js';

let azurite: LocalAzurite;
let bus: TestBroker;
const QUEUES = ['latency', 'errors', 'newest'];

beforeAll(async () => {
  [azurite, bus] = await Promise.all([
    startAzurite({ silent: true }),
    startTestBroker({ queues: QUEUES.map((Name) => ({ Name, Properties: { RequiresSession: true } })) }),
  ]);
});

afterAll(async () => {
  await Promise.all([azurite?.close(), bus?.close()]);
  expect(problems(bus)).toEqual([]);
});

const at = (second: number) => new Date(Date.UTC(2024, 4, 1, 10, 0, second));

/** Strings are sent as their UTF-8 bytes, as a foreign client's text would arrive. */
async function send(queue: string, sessionId: string, bodies: (Buffer | string)[]): Promise<void> {
  const sender = bus.client.createSender(queue);
  try {
    await sender.sendMessages(
      bodies.map((body, index) => ({ body: Buffer.from(body), sessionId, messageId: `${sessionId}-${index}` })),
    );
  } finally {
    await sender.close();
  }
}

const event = (spec: EventSpec) => Buffer.from(JSON.stringify(makeEvent(spec)));

/** What the subscriber function sees of a received message (see shared/subscribe/delivery.ts). */
function deliveryOf(message: ServiceBusReceivedMessage): Delivery {
  return {
    body: message.body as Buffer,
    messageId: message.messageId as string,
    sessionId: message.sessionId,
    correlationId: undefined,
    deliveryCount: (message.deliveryCount ?? 0) + 1,
    enqueuedTimeUtc: message.enqueuedTimeUtc,
    sequenceNumber: message.sequenceNumber?.toString(),
    replayKind: undefined,
  };
}

/** Receives one session's messages and runs them as one batch, the way a subscriber invocation does. */
async function runSession(
  queue: string,
  sessionId: string,
  count: number,
  deps: Omit<Parameters<typeof processBatch>[0], 'now'> & { now?: (messages: ServiceBusReceivedMessage[]) => Date },
): Promise<{ messages: ServiceBusReceivedMessage[]; failure: unknown }> {
  const receiver = await bus.client.acceptSession(queue, sessionId, { skipParsingBodyAsJson: true });
  try {
    const messages: ServiceBusReceivedMessage[] = [];
    while (messages.length < count) {
      messages.push(...(await receiver.receiveMessages(count - messages.length, { maxWaitTimeInMs: 2_000 })));
    }
    const now = deps.now?.(messages);
    const failure = await processBatch({ ...deps, now: now && (() => now) }, messages.map(deliveryOf)).then(
      () => undefined,
      (error: unknown) => error,
    );
    await Promise.all(
      messages.map((message) => (failure ? receiver.abandonMessage(message) : receiver.completeMessage(message))),
    );
    return { messages, failure };
  } finally {
    await receiver.close();
  }
}

function setup() {
  const table = tableClientFor(storageConnection(azurite), randomTableName('state'));
  const poisonTable = tableClientFor(storageConnection(azurite), randomTableName('poison'));
  const container = blobContainerFor(storageConnection(azurite), `poison${randomTableName('c').toLowerCase()}`);
  const { logger } = captureLogger();
  const recorder = new TableStateRecorder(table);
  const poison = new StoragePoisonStore(poisonTable, container);
  const target = new MemoryTarget('copy');
  const backoff = { attempts: 3, initialDelayMs: 1, maxDelayMs: 2 };
  return { table, poisonTable, deps: { target, recorder, poison, logger, backoff, wait: async () => {} } };
}

describe('subscriber state', () => {
  it('records the enqueue lag of every applied event from the broker enqueue time', async () => {
    const { table, deps } = setup();
    await send('latency', 'bucket-01', [event({ id: 'a', lsn: 1 }), event({ id: 'b', lsn: 2 })]);
    await send('latency', 'bucket-01', [event({ id: 'a', lsn: 3 }), event({ id: 'c', lsn: 4 })]); // a@1 superseded

    let appliedAt = 0;
    const { messages, failure } = await runSession('latency', 'bucket-01', 4, {
      ...deps,
      // Applied a fixed 0.3 s after the newest enqueue: the expected values follow from the broker's times alone.
      now: (received) => {
        appliedAt = Math.max(...received.map((m) => m.enqueuedTimeUtc?.getTime() ?? Number.NaN)) + 300;
        return new Date(appliedAt);
      },
    });
    expect(failure).toBeUndefined();
    const enqueued = messages.map((m) => m.enqueuedTimeUtc);
    expect(enqueued.every((time) => time instanceof Date && !Number.isNaN(time.getTime()))).toBe(true);

    const [state] = await readTargetStates(table);
    const applied = messages.slice(1).map((m) => (appliedAt - (m.enqueuedTimeUtc as Date).getTime()) / 1000);
    expect(state?.counters).toMatchObject({ applied: 3, superseded: 1 });
    expect(state?.enqueueLag.buckets).toEqual(observe(emptyHistogram(ENQUEUE_LAG_BUCKET_BOUNDS), applied).buckets);
    expect(state?.enqueueLag.sum).toBeCloseTo(
      applied.reduce((a, b) => a + b, 0),
      9,
    );
    expect(state?.errorsByClass).toEqual({ transient: 0, permanent: 0 });
    expect(state?.lastError).toBeUndefined();
  });

  it('counts transient retries then an abandon as transient, and poison messages as permanent', async () => {
    const { table, poisonTable, deps } = setup();
    await send('errors', 'bucket-01', [event({ id: 'a', lsn: 1 }), event({ id: 'b', lsn: 2 })]);
    await send('errors', 'bucket-02', [event({ id: 'rejected', lsn: 3 }), 'not an event', event({ id: 'c', lsn: 4 })]);

    deps.target.unavailable = true;
    const down = await runSession('errors', 'bucket-01', 2, { ...deps, now: () => at(1) });
    expect(down.failure).toMatchObject({ code: 'MEMORY_UNAVAILABLE' });
    deps.target.unavailable = false;
    deps.target.rejectDocumentIds.add('rejected');
    const partly = await runSession('errors', 'bucket-02', 3, { ...deps, now: () => at(2) });
    expect(partly.failure).toBeUndefined();

    const states = await readTargetStates(table);
    expect(states).toHaveLength(1);
    const [state] = states;
    // bucket-01: 2 retried calls + 2 abandoned messages; bucket-02: one rejected and one invalid message.
    expect(state?.errorsByClass).toEqual({ transient: 4, permanent: 2 });
    expect(state?.errorsByCode).toEqual({ MEMORY_UNAVAILABLE: 4, MEMORY_REJECTED: 1, InvalidEvent: 1 });
    expect(state?.counters).toMatchObject({ applied: 1, deadLettered: 2 });
    expect(state?.lastError).toMatchObject({ class: 'permanent', at: at(2) });
    const poisoned = [];
    for await (const row of poisonTable.listEntities<Record<string, unknown>>()) poisoned.push(row);
    expect(poisoned.map((row) => [row.partitionKey, row.rowKey, row['reason']]).sort()).toEqual([
      ['copy', 'bucket-02-0', 'MEMORY_REJECTED'],
      ['copy', 'bucket-02-1', 'InvalidEvent'],
    ]);

    // The abandoned messages come back and now apply; the errors stay counted, the last error stays the newest.
    const again = await runSession('errors', 'bucket-01', 2, { ...deps, now: () => at(3) });
    expect(again.failure).toBeUndefined();
    expect(again.messages.map((m) => m.deliveryCount)).toEqual(down.messages.map((m) => (m.deliveryCount ?? 0) + 1));
    const [after] = await readTargetStates(table);
    expect(after?.errorsByClass).toEqual({ transient: 4, permanent: 2 });
    expect(after?.lastError).toMatchObject({ class: 'permanent', at: at(2) });
    expect(after?.enqueueLag.buckets.reduce((a, b) => a + b)).toBe(3);
  });

  it('keeps the newest last error across sessions, whichever session wrote it', async () => {
    const { table, deps } = setup();
    const rows = async () => {
      const [state] = await readTargetStates(table);
      return state;
    };
    await send('newest', 'bucket-01', ['garbage one']);
    await send('newest', 'bucket-02', [event({ id: 'a', lsn: 1 })]);
    await send('newest', 'bucket-03', ['garbage two']);

    await runSession('newest', 'bucket-01', 1, { ...deps, now: () => at(10) });
    deps.target.unavailable = true;
    await runSession('newest', 'bucket-02', 1, { ...deps, now: () => at(30) });
    expect((await rows())?.lastError).toMatchObject({ code: 'MEMORY_UNAVAILABLE', class: 'transient', at: at(30) });

    // An older error written later (another instance's clock, a slow batch) does not replace a newer one.
    await runSession('newest', 'bucket-03', 1, { ...deps, now: () => at(20) });
    const state = await rows();
    expect(state?.sessions).toBe(3);
    expect(state?.lastError).toEqual({
      code: 'MEMORY_UNAVAILABLE',
      message: 'target copy is unavailable',
      class: 'transient',
      at: at(30),
    });
    const stored = await table.getEntity<Record<string, unknown>>('copy', 'bucket-03');
    expect(stored).toMatchObject({ lastErrorCode: 'InvalidEvent', lastErrorClass: 'permanent', lastErrorAt: at(20) });
    expect(stored['lastErrorMessage']).toMatch(/body is not JSON/);
  });
});
