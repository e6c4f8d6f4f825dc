/**
 * The Service Bus trigger's semantics as the extension has them (docs/local-host.md, "Service Bus trigger"), each
 * pinned against the local broker: one batch loop per function that holds a session until a receive comes back empty;
 * the minimum-batch cache and its wait; no lock renewal for batches; the session processor for single dispatch.
 */
import { ServiceBusClient } from '@azure/service-bus';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startLocalHost, type LocalHost } from '../../local-host/index.js';
import { startLocalStack, type LocalStack } from '../../local-stack/stack.js';
import { recorder, waitFor, type Call } from '../fixtures/local-host/recorder.js';
import { captureLog, fixture } from './helpers.js';

let stack: LocalStack;
let client: ServiceBusClient;

beforeAll(async () => {
  stack = await startLocalStack({ serviceBusConfig: fixture('semantics/servicebus.config.json') });
  client = new ServiceBusClient(stack.settings.SERVICEBUS_CONNECTION_STRING);
});
afterAll(async () => {
  await client?.close();
  await stack?.close();
});
beforeEach(() => recorder.reset());

async function withHost<T>(
  file: string,
  serviceBus: Record<string, unknown>,
  run: () => Promise<T>,
  log = captureLog(),
): Promise<T> {
  const host: LocalHost = await startLocalHost({
    files: [fixture(`semantics/${file}`)],
    settings: { LH_SERVICEBUS: stack.settings.SERVICEBUS_CONNECTION_STRING },
    hostJson: { version: '2.0', extensions: { serviceBus } },
    log: log.sink,
  });
  try {
    return await run();
  } finally {
    await host.close();
  }
}

async function send(
  queue: string,
  messages: { id: string; sessionId?: string; sleepMs?: number; sleepFirstMs?: number }[],
) {
  const sender = client.createSender(queue);
  try {
    await sender.sendMessages(
      messages.map(({ sessionId, ...body }) => ({
        body: Buffer.from(JSON.stringify(body)),
        messageId: body.id,
        ...(sessionId !== undefined ? { sessionId } : {}),
      })),
    );
  } finally {
    await sender.close();
  }
}

const ids = (call: Call) => call.input as string[];
const overlapping = (calls: Call[]) =>
  calls.some((a) =>
    calls.some((b) => a !== b && a.startedAt < (b.finishedAt ?? Infinity) && b.startedAt < (a.finishedAt ?? Infinity)),
  );

describe('Service Bus batch trigger (cardinality many)', () => {
  it('runs one batch at a time and holds a session until a receive comes back empty', async () => {
    await withHost('batch-sessions.ts', { sessionIdleTimeout: '00:00:00.400', maxConcurrentSessions: 8 }, async () => {
      await send('sem-sessions', [{ id: 'a0', sessionId: 'A', sleepMs: 100 }]);
      await waitFor('the first batch of A', () => recorder.calls('semBatchSessions').length > 0);
      // B waits while A keeps receiving a message every 150 ms, well inside the 400 ms idle timeout.
      await send('sem-sessions', [{ id: 'b0', sessionId: 'B' }]);
      for (let n = 1; n <= 6; n += 1) {
        // elapsed: A must stay busy inside its 400 ms idle timeout, which is what this test is about
        await new Promise((resolve) => setTimeout(resolve, 150));
        await send('sem-sessions', [{ id: `a${n}`, sessionId: 'A', sleepMs: 100 }]);
      }
      await waitFor('b0', () => recorder.calls('semBatchSessions').some((call) => ids(call).includes('b0')), 10_000);
      await waitFor('every batch finished', () => recorder.calls('semBatchSessions').every((call) => call.finishedAt));
    });
    const calls = recorder.calls('semBatchSessions');
    expect(overlapping(calls)).toBe(false);
    const sessionOf = (call: Call) => (call.triggerMetadata?.['sessionIdArray'] as string[])[0];
    const lastOfA = calls.filter((call) => sessionOf(call) === 'A').at(-1) as Call;
    const firstOfB = calls.find((call) => sessionOf(call) === 'B') as Call;
    expect(calls.filter((call) => sessionOf(call) === 'A').flatMap(ids)).toEqual([
      'a0',
      'a1',
      'a2',
      'a3',
      'a4',
      'a5',
      'a6',
    ]);
    expect(firstOfB.startedAt).toBeGreaterThanOrEqual(lastOfA.finishedAt ?? Infinity);
  });

  it('without sessions, holds fewer than minMessageBatchSize until maxBatchWaitTime, and dispatches a full batch at once', async () => {
    await withHost(
      'batch-plain.ts',
      { minMessageBatchSize: 5, maxMessageBatchSize: 10, maxBatchWaitTime: '00:00:00.800' },
      async () => {
        const sentAt = Date.now();
        await send('sem-plain', [{ id: 'p1' }, { id: 'p2' }]);
        await waitFor('the partial batch', () => recorder.calls('semBatchPlain').length > 0);
        const [partial] = recorder.calls('semBatchPlain');
        expect(ids(partial as Call)).toEqual(['p1', 'p2']);
        // Held by the cache's monitor for the wait, not handed over at the first receive.
        expect((partial as Call).startedAt - sentAt).toBeGreaterThanOrEqual(700);

        recorder.reset();
        const fullAt = Date.now();
        await send(
          'sem-plain',
          ['f1', 'f2', 'f3', 'f4', 'f5', 'f6', 'f7'].map((id) => ({ id })),
        );
        await waitFor('all seven', () => recorder.calls('semBatchPlain').flatMap(ids).length >= 7);
        const [first] = recorder.calls('semBatchPlain');
        expect(ids(first as Call).length).toBeGreaterThanOrEqual(5);
        expect((first as Call).startedAt - fullAt).toBeLessThan(700);
      },
    );
  });

  it('renews no lock: a batch that outlasts the lock duration is delivered again', async () => {
    const log = captureLog();
    await withHost('batch-lock.ts', {}, async () => {
      // LockDuration is 5 s on this queue; the first delivery takes 6 s.
      await send('sem-lock', [{ id: 'slow', sleepFirstMs: 6_000 }]);
      await waitFor('a second delivery', () => recorder.calls('semBatchLock').length >= 2, 15_000);
      await waitFor(
        'the queue to be empty',
        () => stack.serviceBus.counts.queue('sem-lock')?.activeMessageCount === 0,
        10_000,
      );
    });
    const counts = recorder.calls('semBatchLock').map((call) => call.triggerMetadata?.['deliveryCountArray']);
    expect(counts.slice(0, 2)).toEqual([[1], [2]]);
    expect(log.lines).toBeDefined();
  }, 30_000);
});

describe('Service Bus single dispatch on sessions (cardinality one)', () => {
  it('processes up to maxConcurrentSessions sessions at once, one message at a time within each, in order', async () => {
    const sessions = ['S1', 'S2', 'S3', 'S4'];
    await withHost('single-sessions.ts', { maxConcurrentSessions: 3, sessionIdleTimeout: '00:00:00.300' }, async () => {
      await send(
        'sem-single-sessions',
        sessions.flatMap((sessionId) => [1, 2, 3].map((n) => ({ id: `${sessionId}-${n}`, sessionId, sleepMs: 150 }))),
      );
      await waitFor(
        'twelve messages',
        () => recorder.calls('semSingleSessions').filter((call) => call.finishedAt).length >= 12,
        15_000,
      );
    });
    const calls = recorder.calls('semSingleSessions');
    const sessionOf = (call: Call) => call.triggerMetadata?.['sessionId'] as string;
    for (const sessionId of sessions) {
      const own = calls.filter((call) => sessionOf(call) === sessionId);
      expect(own.flatMap(ids)).toEqual([1, 2, 3].map((n) => `${sessionId}-${n}`));
      expect(overlapping(own)).toBe(false);
    }
    const concurrency = Math.max(
      ...calls.map(
        (call) =>
          calls.filter((other) => other.startedAt <= call.startedAt && (other.finishedAt ?? Infinity) > call.startedAt)
            .length,
      ),
    );
    expect(concurrency).toBeGreaterThanOrEqual(2);
    expect(concurrency).toBeLessThanOrEqual(3);
  });
});
