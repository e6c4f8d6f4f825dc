/**
 * The state recorder and reader against Azurite through the real Tables SDK: counting, optimistic concurrency between
 * two instances, checkpoints, and what callers see when the table is down or a row is damaged.
 */
import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startAzurite, type LocalAzurite } from '../../local-stack/azurite.js';
import { tableClientFor } from '../../shared/clients/tables.js';
import { StateStoreError } from '../../shared/state/errors.js';
import { sleep } from '../../shared/subscribe/backoff.js';
import { readTargetStates } from '../../shared/state/reader.js';
import { TableStateRecorder } from '../../shared/state/recorder.js';
import { startTcpProxy } from '../support/tcp-proxy.js';
import { batch, captureLogger, randomTableName, separateClient, storageConnection } from './helpers.js';

let azurite: LocalAzurite;

beforeAll(async () => {
  azurite = await startAzurite({ silent: true });
});

afterAll(async () => {
  await azurite.close();
});

async function rejectionOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

describe('TableStateRecorder', () => {
  it('accumulates counters per (target, session) row with one write and no read per batch', async () => {
    const table = tableClientFor(storageConnection(azurite), randomTableName('state'));
    const recorder = new TableStateRecorder(table);
    const reads = vi.spyOn(table, 'getEntity');

    await recorder.record(batch('copy', 'bucket-01', { received: 3, applied: 2, stale: 1, lagSeconds: [1, 4] }));
    await recorder.record(
      batch('copy', 'bucket-01', { received: 2, deadLettered: 1, errorsByCode: { InvalidEvent: 1 } }),
    );
    await recorder.record(
      batch('copy', 'bucket-02', { received: 4, superseded: 2, ignored: 1, applied: 1, lagSeconds: [30] }),
    );
    await recorder.record(batch('copy', undefined, { received: 1, errorsByCode: { InvalidEvent: 1, COSMOS_400: 1 } }));
    expect(reads).toHaveBeenCalledTimes(3); // once per new row, never again for a row this process wrote

    const stored = await table.getEntity<Record<string, unknown>>('copy', 'bucket-01');
    expect(stored).toMatchObject({ schemaVersion: 1, batches: 2, received: 5, applied: 2, stale: 1, deadLettered: 1 });
    expect(JSON.parse(stored['errorsByCode'] as string)).toEqual({ InvalidEvent: 1 });
    expect(await table.getEntity('copy', 'no-session')).toMatchObject({ received: 1 });

    const [state] = await readTargetStates(table);
    expect(state).toMatchObject({
      target: 'copy',
      sessions: 3,
      invalidRows: [],
      counters: { batches: 4, received: 10, applied: 3, stale: 1, superseded: 2, ignored: 1, deadLettered: 1 },
      errorsByCode: { InvalidEvent: 2, COSMOS_400: 1 },
    });
    expect(state?.lag.buckets.reduce((a, b) => a + b)).toBe(3);
    expect(state?.lag.sum).toBe(35);
  });

  it('never loses a count when two instances write the same row at once', async () => {
    const name = randomTableName('state');
    const { logger, lines } = captureLogger();
    // A generous conflict budget: this test is about lost counts; the bound itself is the next test's subject.
    const conflictBackoff = { attempts: 30, initialDelayMs: 2, maxDelayMs: 50 };
    const instances = [0, 1].map(
      () => new TableStateRecorder(separateClient(azurite.connectionString, name), { logger, conflictBackoff }),
    );
    const perInstance = 25;
    // Each instance records its batches one after another, as one session receiver does, with a few milliseconds of
    // receiving, applying and settling in between; the two run concurrently on the same row.
    await Promise.all(
      instances.map(async (recorder, instance) => {
        for (let i = 0; i < perInstance; i += 1) {
          // elapsed: receiving, applying and settling between batches, so the two instances interleave
          await sleep(2 + ((i * 7 + instance * 3) % 5));
          await recorder.record(
            batch('copy', 'bucket-09', {
              received: 3,
              applied: 1,
              errorsByCode: { [`E${instance}`]: 1 },
              lagSeconds: [2],
            }),
          );
        }
      }),
    );

    const [state] = await readTargetStates(separateClient(azurite.connectionString, name));
    expect(state?.counters).toMatchObject({ batches: 50, received: 150, applied: 50 });
    expect(state?.errorsByCode).toEqual({ E0: perInstance, E1: perInstance });
    expect(state?.lag.buckets[1]).toBe(50);
    // The race really happened and was resolved by re-reading, not by luck.
    expect(lines.filter((line) => line.event === 'state.conflict').length).toBeGreaterThan(0);
  });

  it('gives up after the bounded number of conflicts with a retryable STATE_CONTENTION', async () => {
    const name = randomTableName('state');
    const waits: number[] = [];
    const patient = new TableStateRecorder(separateClient(azurite.connectionString, name));
    const impatient = new TableStateRecorder(separateClient(azurite.connectionString, name), {
      conflictBackoff: { attempts: 1, initialDelayMs: 1, maxDelayMs: 1 },
      wait: async (ms) => void waits.push(ms),
    });
    await impatient.record(batch('copy', 'bucket-01', { received: 1 }));
    await patient.record(batch('copy', 'bucket-01', { received: 2 })); // the impatient one's cached ETag is now stale

    const failure = await rejectionOf(impatient.record(batch('copy', 'bucket-01', { received: 4 })));
    expect(failure).toMatchObject({ code: 'STATE_CONTENTION', retryable: true });
    expect(waits).toEqual([]); // no wait after the last attempt
    // Having lost, it re-reads next time instead of trusting its stale copy.
    await impatient.record(batch('copy', 'bucket-01', { received: 8 }));
    const [state] = await readTargetStates(separateClient(azurite.connectionString, name));
    expect(state?.counters).toMatchObject({ batches: 3, received: 11 });
  });

  it('keeps the newest checkpoint per row and across the rows of a target', async () => {
    const table = tableClientFor(storageConnection(azurite), randomTableName('state'));
    const recorder = new TableStateRecorder(table);
    const applied = (ts: number, lsn: number) => ({ eventId: `orders:${lsn}`, source: 'orders', lsn, ts });
    const at = (minute: number) => new Date(Date.UTC(2024, 4, 1, 10, minute));

    await recorder.record(batch('copy', 'bucket-01', { lastApplied: applied(1000, 10), finishedAt: at(1) }));
    await recorder.record(batch('copy', 'bucket-01', { lastApplied: applied(990, 40), finishedAt: at(2) }));
    await recorder.record(batch('copy', 'bucket-02', { lastApplied: applied(1000, 11), finishedAt: at(3) }));
    await recorder.record(batch('copy', 'bucket-03', { lastApplied: applied(999, 99), finishedAt: at(4) }));
    await recorder.record(batch('other', 'bucket-01', { lastApplied: applied(5000, 1), finishedAt: at(5) }));

    expect(await table.getEntity('copy', 'bucket-01')).toMatchObject({
      lastLsn: 10,
      lastTs: 1000,
      lastAppliedAt: at(1),
    });
    const states = await readTargetStates(table);
    expect(states.map((state) => state.target)).toEqual(['copy', 'other']);
    expect(states[0]?.checkpoint).toEqual({ ...applied(1000, 11), appliedAt: at(3) });
    expect(states[0]?.lastBatchAt).toEqual(at(4));
  });

  it('throws a retryable STATE_UNAVAILABLE while the table service is down, and recovers after', async () => {
    const proxy = await startTcpProxy(Number(new URL(azurite.tableEndpoint).port));
    try {
      const name = randomTableName('state');
      const viaProxy = azurite.connectionString.replace(
        /TableEndpoint=http:\/\/127\.0\.0\.1:\d+\//,
        `TableEndpoint=http://127.0.0.1:${proxy.port}/`,
      );
      const recorder = new TableStateRecorder(separateClient(viaProxy, name));
      await recorder.record(batch('copy', 'bucket-01', { received: 1 }));

      proxy.break();
      const failure = await rejectionOf(recorder.record(batch('copy', 'bucket-01', { received: 10 })));
      expect(failure).toBeInstanceOf(StateStoreError);
      expect(failure).toMatchObject({ code: 'STATE_UNAVAILABLE', retryable: true });
      expect((failure as Error).message).toMatch(/^write state row copy\/bucket-01 failed: /);
      expect(await rejectionOf(readTargetStates(separateClient(viaProxy, name)))).toMatchObject({
        code: 'STATE_UNAVAILABLE',
      });

      proxy.repair();
      await recorder.record(batch('copy', 'bucket-01', { received: 100 }));
      const [state] = await readTargetStates(separateClient(viaProxy, name));
      expect(state?.counters).toMatchObject({ batches: 2, received: 101 });
    } finally {
      await proxy.close();
    }
  });

  it('throws STATE_UNAVAILABLE when nothing listens at the table endpoint', async () => {
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const port = (probe.address() as { port: number }).port;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const closed = azurite.connectionString.replace(
      /TableEndpoint=[^;]+;/,
      `TableEndpoint=http://127.0.0.1:${port}/devstoreaccount1;`,
    );

    const failure = await rejectionOf(
      new TableStateRecorder(separateClient(closed, 'state')).record(batch('copy', 'b')),
    );
    expect(failure).toMatchObject({ code: 'STATE_UNAVAILABLE', retryable: true });
    expect((failure as Error).message).toMatch(/^create state table state failed: /);
  });

  it('creates the table again when it was deleted under a running recorder', async () => {
    const table = separateClient(azurite.connectionString, randomTableName('state'));
    const recorder = new TableStateRecorder(table);
    await recorder.record(batch('copy', 'bucket-01', { received: 1 }));
    await table.deleteTable();
    await recorder.record(batch('copy', 'bucket-01', { received: 2 }));
    expect((await readTargetStates(table))[0]?.counters).toMatchObject({ batches: 1, received: 2 });
  });

  it('refuses to build on a damaged row and leaves it as it is', async () => {
    const table = separateClient(azurite.connectionString, randomTableName('state'));
    const recorder = new TableStateRecorder(table);
    await recorder.record(batch('copy', 'bucket-01', { received: 1 }));
    await table.updateEntity({ partitionKey: 'copy', rowKey: 'bucket-01', errorsByCode: '{oops' }, 'Merge');

    const failure = await rejectionOf(
      new TableStateRecorder(table).record(batch('copy', 'bucket-01', { received: 5 })),
    );
    expect(failure).toMatchObject({ code: 'STATE_ROW_INVALID', retryable: false });
    expect((failure as Error).message).toContain('state row copy/bucket-01 is invalid: errorsByCode: not valid JSON');
    expect(await table.getEntity('copy', 'bucket-01')).toMatchObject({ received: 1, errorsByCode: '{oops' });
  });
});
