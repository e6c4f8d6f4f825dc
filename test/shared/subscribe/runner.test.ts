import { describe, expect, it } from 'vitest';
import { createLogger } from '../../../shared/logging.js';
import type { PoisonRecord } from '../../../shared/poison/record.js';
import type { PoisonStore } from '../../../shared/poison/store.js';
import type { BatchSummary } from '../../../shared/subscribe/batch-summary.js';
import type { Delivery } from '../../../shared/subscribe/delivery.js';
import { processBatch } from '../../../shared/subscribe/runner.js';
import { MemoryTarget } from '../../support/memory-target.js';
import { TargetError, type ApplyOptions } from '../../../shared/targets/target.js';
import type { ChangeEvent } from '../../../shared/events/envelope.js';
import { ShutdownError } from '../../../shared/errors.js';
import { makeEvent, type EventSpec } from '../../support/events.js';

/** Keeps what the runner sets aside; the runner's contract is which messages end up here, and with what. */
class RecordingPoison implements PoisonStore {
  readonly records: PoisonRecord[] = [];
  async record(records: readonly PoisonRecord[]) {
    this.records.push(...records);
  }
  of(messageId: string) {
    return this.records.filter((record) => record.messageId === messageId);
  }
}

/** The harness clock: every batch is applied at this instant. */
const NOW_MS = 1_700_000_100_000;

let counter = 0;
function message(body: Uint8Array | string, messageId = `m${(counter += 1)}`, enqueuedTimeUtc?: Date): Delivery {
  return {
    body: typeof body === 'string' ? Buffer.from(body) : body,
    messageId,
    sessionId: 'bucket-01',
    correlationId: undefined,
    deliveryCount: 1,
    enqueuedTimeUtc,
    sequenceNumber: undefined,
    replayKind: undefined,
  };
}
const eventMessage = (spec: EventSpec, messageId?: string, enqueuedTimeUtc?: Date) =>
  message(JSON.stringify(makeEvent(spec)), messageId, enqueuedTimeUtc);
/** A message enqueued `seconds` before the harness applies it. */
const enqueuedBefore = (seconds: number) => new Date(NOW_MS - seconds * 1000);

function harness(target = new MemoryTarget('t')) {
  const recorded: BatchSummary[] = [];
  const logs: string[] = [];
  const sink = {
    debug: (l: string) => logs.push(l),
    info: (l: string) => logs.push(l),
    warn: (l: string) => logs.push(l),
    error: (l: string) => logs.push(l),
  };
  const waits: number[] = [];
  const poison = new RecordingPoison();
  const deps = {
    target,
    recorder: { record: async (summary: BatchSummary) => void recorded.push(summary) },
    poison: poison as PoisonStore,
    logger: createLogger(sink, 'debug'),
    backoff: { attempts: 3, initialDelayMs: 10, maxDelayMs: 40 },
    wait: async (ms: number) => void waits.push(ms),
    now: () => new Date(NOW_MS),
  };
  return { deps, target, recorded, logs, waits, poison };
}

describe('processBatch', () => {
  it('applies, completes every message and records one summary per batch', async () => {
    const h = harness();
    const messages = [eventMessage({ id: 'a', lsn: 1 }, 'a1'), eventMessage({ id: 'b', lsn: 2 }, 'b2')];
    const summary = await processBatch(h.deps, messages);
    expect(h.poison.records).toEqual([]);
    expect(h.target.liveDocuments().size).toBe(2);
    expect(summary).toMatchObject({ target: 't', sessionId: 'bucket-01', received: 2, applied: 2, deadLettered: 0 });
    expect(summary.lastApplied).toMatchObject({ lsn: 2 });
    expect(summary.lagSeconds).toEqual([99, 98]);
    expect(summary.enqueueLagSeconds).toEqual([]); // these messages carry no enqueue time
    expect(summary).toMatchObject({ errorsByClass: { transient: 0, permanent: 0 }, lastError: undefined });
    expect(h.recorded).toEqual([summary]);
  });

  it('asks the target to read through its cache only for events sent to it on purpose', async () => {
    const seen: Array<ReadonlySet<string> | undefined> = [];
    const target = new (class extends MemoryTarget {
      override async applyBatch(events: readonly ChangeEvent[], _signal?: AbortSignal, options?: ApplyOptions) {
        seen.push(options?.readThrough);
        return super.applyBatch(events);
      }
    })('t');
    const h = harness(target);
    const replayed = { ...eventMessage({ id: 'r', lsn: 5 }, 'r5'), replayKind: 'repair' };
    await processBatch(h.deps, [eventMessage({ id: 'a', lsn: 1 }, 'a1'), replayed]);
    await processBatch(h.deps, [eventMessage({ id: 'b', lsn: 2 }, 'b2')]);
    const replayedId = makeEvent({ id: 'r', lsn: 5 }).eventId;
    expect(seen).toEqual([new Set([replayedId]), undefined]);
  });

  it('measures enqueue lag of every applied event, and of nothing else', async () => {
    const h = harness();
    await processBatch(h.deps, [eventMessage({ id: 'old', lsn: 9 })]);
    const summary = await processBatch(h.deps, [
      eventMessage({ id: 'a', lsn: 1 }, 'a1', enqueuedBefore(0.25)),
      eventMessage({ id: 'a', lsn: 2 }, 'a2', enqueuedBefore(0.125)), // supersedes a1
      eventMessage({ id: 'b', lsn: 3 }, 'b3', enqueuedBefore(2)),
      eventMessage({ id: 'old', lsn: 4 }, 'stale', enqueuedBefore(1)), // older than the stored lsn 9
      eventMessage({ id: 'c', lsn: 5 }, 'c5', new Date(NOW_MS + 500)), // broker clock ahead: zero, not negative
      eventMessage({ id: 'd', lsn: 6 }, 'd6', new Date(Number.NaN)), // no usable time: skipped
    ]);
    expect(summary).toMatchObject({ applied: 4, superseded: 1, stale: 1 });
    expect(summary.enqueueLagSeconds).toEqual([0.125, 2, 0]);
    expect(summary.lagSeconds).toHaveLength(4);
  });

  it('coalesces versions of one key, setting none of the superseded messages aside', async () => {
    const h = harness();
    const messages = [1, 2, 3].map((lsn) => eventMessage({ id: 'a', lsn }, `a${lsn}`));
    const summary = await processBatch(h.deps, messages);
    expect(summary).toMatchObject({ applied: 1, superseded: 2, stale: 0 });
    expect(h.poison.records).toEqual([]);
    expect([...h.target.rows.values()][0]?.version.lsn).toBe(3);
  });

  it('returns for stale and duplicate deliveries without regressing the target', async () => {
    const h = harness();
    await processBatch(h.deps, [eventMessage({ id: 'a', lsn: 5 })]);
    const summary = await processBatch(h.deps, [eventMessage({ id: 'a', lsn: 3 }), eventMessage({ id: 'a', lsn: 5 })]);
    expect(summary).toMatchObject({ applied: 0, stale: 1, superseded: 1 });
    expect([...h.target.rows.values()][0]?.version.lsn).toBe(5);
  });

  it('reads bodies given as bytes or as a view into a larger buffer', async () => {
    const h = harness();
    const json = JSON.stringify(makeEvent({ id: 'view', lsn: 1 }));
    // A received body is often a slice of the frame it came in: the parser must respect the view's offset.
    const frame = Buffer.from(`xx${json}yy`);
    const view = new Uint8Array(frame.buffer, frame.byteOffset + 2, Buffer.byteLength(json));
    const summary = await processBatch(h.deps, [
      message(view, 'view'),
      message(JSON.stringify(makeEvent({ id: 'bytes', lsn: 1 })), 'bytes'),
    ]);
    expect(summary).toMatchObject({ applied: 2, deadLettered: 0 });
    expect(h.poison.records).toEqual([]);
  });

  it.each([
    ['bytes that are not JSON', '{nope', 'InvalidEvent', /body is not JSON/],
    ['an empty body', '', 'InvalidEvent', /body is not JSON/],
    ['the JSON number 42', '42', 'UnsupportedSchemaVersion', /schemaVersion is undefined/],
    ['the JSON null', 'null', 'UnsupportedSchemaVersion', /schemaVersion is undefined/],
    ['bytes that are not UTF-8', Buffer.from([0xff, 0xfe, 0x7b]), 'InvalidEvent', /body is not JSON/],
    [
      'an unknown schema version',
      JSON.stringify({ ...makeEvent({ lsn: 1 }), schemaVersion: 2 }),
      'UnsupportedSchemaVersion',
      /schemaVersion is 2/,
    ],
    [
      'an event without version',
      JSON.stringify({ ...makeEvent({ lsn: 1 }), version: undefined }),
      'InvalidEvent',
      /version: /,
    ],
    [
      'a delete with a payload',
      JSON.stringify({ ...makeEvent({ lsn: 1, op: 'delete' }), payload: {} }),
      'InvalidEvent',
      /payload/,
    ],
    [
      'an upsert whose payload is an array',
      JSON.stringify({ ...makeEvent({ lsn: 1 }), payload: [1, 2] }),
      'InvalidEvent',
      /payload: expected a JSON object/,
    ],
  ])('sets aside %s at once with a reason and lets the rest proceed', async (_label, body, reason, description) => {
    const h = harness();
    const summary = await processBatch(h.deps, [message(body, 'bad'), eventMessage({ id: 'good', lsn: 1 }, 'good')]);
    const [bad] = h.poison.of('bad');
    expect(bad).toMatchObject({ target: 't', reason, sessionId: 'bucket-01', deliveryCount: 1 });
    expect(bad?.description).toMatch(description);
    // The body is kept exactly as delivered, so nothing is lost.
    expect(Buffer.from(bad?.body ?? []).equals(Buffer.from(body))).toBe(true);
    expect(h.poison.of('good')).toEqual([]);
    expect(h.target.liveDocuments().size).toBe(1);
    expect(summary).toMatchObject({
      applied: 1,
      deadLettered: 1,
      errorsByCode: { [reason]: 1 },
      errorsByClass: { transient: 0, permanent: 1 },
      lastError: { code: reason, class: 'permanent', message: expect.stringMatching(description) },
    });
    expect(
      h.logs.some((line) => line.includes('"event":"message.poisoned"') && line.includes('"messageId":"bad"')),
    ).toBe(true);
  });

  it('sets aside events the target rejects permanently, with the error code as reason and the event ids', async () => {
    const h = harness();
    h.target.rejectDocumentIds.add('bad');
    const summary = await processBatch(h.deps, [
      eventMessage({ id: 'bad', lsn: 1 }, 'bad'),
      eventMessage({ id: 'ok', lsn: 2 }, 'ok'),
    ]);
    const event = makeEvent({ id: 'bad', lsn: 1 });
    expect(h.poison.of('bad')).toMatchObject([
      {
        reason: 'MEMORY_REJECTED',
        eventId: event.eventId,
        source: 'test-source',
        documentKey: JSON.stringify({ documentId: 'bad', partitionKey: 'pk-1' }),
      },
    ]);
    expect(h.poison.of('ok')).toEqual([]);
    expect(summary.deadLettered).toBe(1);
    expect(summary.errorsByCode).toEqual({ MEMORY_REJECTED: 1 });
    expect(summary.errorsByClass).toEqual({ transient: 0, permanent: 1 });
    expect(summary.lastError).toMatchObject({ code: 'MEMORY_REJECTED', class: 'permanent' });
  });

  it('keeps the last error message short', async () => {
    const target = new MemoryTarget('t');
    target.applyBatch = async (events) =>
      events.map((event) => ({
        eventId: event.eventId,
        status: 'rejected' as const,
        error: TargetError.permanent('TOO_BIG', 'x'.repeat(5_000)),
      }));
    const h = harness(target);
    const summary = await processBatch(h.deps, [eventMessage({ lsn: 1 })]);
    expect(summary.lastError?.message).toHaveLength(500);
    expect(summary.lastError?.message.endsWith('…')).toBe(true);
  });

  it('retries a transient failure with backoff and succeeds', async () => {
    const target = new MemoryTarget('t');
    let failures = 2;
    const original = target.applyBatch.bind(target);
    target.applyBatch = async (events) => {
      if (failures-- > 0) throw TargetError.transient('DOWN', 'down for a moment');
      return original(events);
    };
    const h = harness(target);
    const summary = await processBatch(h.deps, [eventMessage({ lsn: 1 }, 'x')]);
    expect(h.waits).toHaveLength(2);
    expect(h.waits.every((ms) => ms >= 5 && ms <= 40)).toBe(true);
    expect(summary.applied).toBe(1);
    // A retry that then succeeded is still a (transient) error: one per failed call.
    expect(summary.errorsByCode).toEqual({ DOWN: 2 });
    expect(summary.errorsByClass).toEqual({ transient: 2, permanent: 0 });
    expect(summary.lastError).toEqual({ code: 'DOWN', message: 'down for a moment', class: 'transient' });
  });

  it('rethrows when the target stays down, so the batch comes again, setting the invalid message aside at once', async () => {
    const h = harness();
    h.target.unavailable = true;
    const messages = [eventMessage({ lsn: 1 }, 'x'), message('garbage', 'g')];
    await expect(processBatch(h.deps, messages)).rejects.toMatchObject({ code: 'MEMORY_UNAVAILABLE' });
    expect(h.poison.of('x')).toEqual([]);
    expect(h.poison.of('g')).toMatchObject([{ reason: 'InvalidEvent' }]);
    // Counted when the batch finally completes, not on each failed delivery.
    expect(h.recorded[0]?.deadLettered).toBe(0);
    expect(h.waits).toHaveLength(2);
    // Two retried calls and one abandoned message are transient; the garbage message is permanent.
    expect(h.recorded[0]?.errorsByCode).toEqual({ InvalidEvent: 1, MEMORY_UNAVAILABLE: 3 });
    expect(h.recorded[0]?.errorsByClass).toEqual({ transient: 3, permanent: 1 });
    expect(h.recorded[0]?.lastError).toMatchObject({ code: 'MEMORY_UNAVAILABLE', class: 'transient' });
  });

  it('does not retry a permanent failure of the whole batch', async () => {
    const target = new MemoryTarget('t');
    target.applyBatch = async () => {
      throw TargetError.permanent('SCHEMA_MISMATCH', 'table has the wrong shape');
    };
    const h = harness(target);
    await expect(processBatch(h.deps, [eventMessage({ lsn: 1 }, 'x')])).rejects.toMatchObject({
      code: 'SCHEMA_MISMATCH',
    });
    expect(h.waits).toHaveLength(0);
    expect(h.poison.records).toEqual([]);
    // Abandoned, so Service Bus delivers it again: transient for this batch, whatever the error's flag says.
    expect(h.recorded[0]).toMatchObject({
      errorsByClass: { transient: 1, permanent: 0 },
      lastError: { code: 'SCHEMA_MISMATCH', message: 'table has the wrong shape', class: 'transient' },
    });
  });

  it('ignores events of sources the target does not follow', async () => {
    const h = harness();
    const summary = await processBatch({ ...h.deps, sources: ['wanted'] }, [
      eventMessage({ lsn: 1, source: 'other' }, 'o'),
      eventMessage({ lsn: 2, source: 'wanted' }, 'w'),
    ]);
    expect(summary).toMatchObject({ ignored: 1, applied: 1 });
    expect(h.poison.records).toEqual([]);
  });

  it('opens the target once and again after a failed open', async () => {
    const target = new MemoryTarget('t');
    let opens = 0;
    let failOpen = true;
    target.open = async () => {
      opens += 1;
      if (failOpen) throw TargetError.transient('OPEN_FAILED', 'no connection');
    };
    const h = harness(target);
    h.deps.backoff = { attempts: 1, initialDelayMs: 1, maxDelayMs: 1 };
    await expect(processBatch(h.deps, [eventMessage({ lsn: 1 })])).rejects.toMatchObject({
      code: 'OPEN_FAILED',
    });
    failOpen = false;
    await processBatch(h.deps, [eventMessage({ lsn: 2 })]);
    await processBatch(h.deps, [eventMessage({ lsn: 3 })]);
    expect(opens).toBe(2);
  });
});

describe('processBatch with a log-style target', () => {
  it('passes every distinct version instead of coalescing, for archives', async () => {
    const target = new MemoryTarget('archive');
    const seen: number[] = [];
    const original = target.applyBatch.bind(target);
    Object.defineProperty(target, 'appliesEveryVersion', { value: true });
    target.applyBatch = async (events) => {
      seen.push(...events.map((event) => event.version.lsn));
      return original(events);
    };
    const h = harness(target);
    const messages = [1, 2, 2, 3].map((lsn, index) => eventMessage({ id: 'a', lsn }, `v${index}`));
    const summary = await processBatch(h.deps, messages);
    expect(seen).toEqual([1, 2, 3]);
    expect(summary).toMatchObject({ superseded: 0 });
    expect(h.poison.records).toEqual([]);
  });
});

describe('processBatch when the state store fails too', () => {
  it('rethrows the target error, not the state store error, and logs both', async () => {
    const h = harness();
    h.target.unavailable = true;
    h.deps.recorder = {
      record: async () => {
        throw new Error('table down');
      },
    };
    await expect(processBatch(h.deps, [eventMessage({ lsn: 1 }, 'x')])).rejects.toMatchObject({
      code: 'MEMORY_UNAVAILABLE',
    });
    expect(h.logs.some((line) => line.includes('"event":"state.record_failed"') && line.includes('table down'))).toBe(
      true,
    );
  });
});

describe('processBatch records the batch beside its poison records', () => {
  it('starts the state write before the poison records are stored, with the count already final', async () => {
    const h = harness();
    let releasePoison: () => void = () => {};
    const poisonHeld = new Promise<void>((resolve) => (releasePoison = resolve));
    const stored: PoisonRecord[] = [];
    h.deps.poison = {
      record: async (records) => {
        await poisonHeld;
        stored.push(...records);
      },
    };
    const seenAtRecord: { stored: number; deadLettered: number }[] = [];
    h.deps.recorder = {
      record: async (summary: BatchSummary) => {
        seenAtRecord.push({ stored: stored.length, deadLettered: summary.deadLettered });
        releasePoison();
      },
    };
    const messages = [eventMessage({ id: 'a', lsn: 1 }, 'ok'), message('not json', 'bad')];
    const summary = await processBatch(h.deps, messages);
    expect(seenAtRecord).toEqual([{ stored: 0, deadLettered: 1 }]);
    expect(stored.map((record) => record.messageId)).toEqual(['bad']);
    expect(summary.deadLettered).toBe(1);
  });

  it('throws the state store error after the batch was applied, so it comes again', async () => {
    const h = harness();
    h.deps.recorder = {
      record: async () => {
        throw new Error('table down');
      },
    };
    await expect(processBatch(h.deps, [eventMessage({ lsn: 1 }, 'x')])).rejects.toThrow('table down');
    expect(h.target.liveDocuments().size).toBe(1);
  });

  it('throws the poison store error when both fail, and logs the state store error beside it', async () => {
    const h = harness();
    h.deps.recorder = {
      record: async () => {
        throw new Error('table down');
      },
    };
    h.deps.poison = {
      record: async () => {
        throw new Error('blob down');
      },
    };
    await expect(processBatch(h.deps, [message('junk', 'x')])).rejects.toThrow('blob down');
    expect(h.logs.some((line) => line.includes('"event":"state.record_failed"') && line.includes('table down'))).toBe(
      true,
    );
  });

  it('stops retrying at once when the app shuts down: the batch is abandoned whole, nothing applied or set aside', async () => {
    const h = harness();
    h.target.unavailable = true;
    const shutdown = new AbortController();
    let attempts = 0;
    const target = h.target;
    const counting = {
      name: target.name,
      open: async () => undefined,
      close: () => target.close(),
      applyBatch: (events: Parameters<MemoryTarget['applyBatch']>[0]) => {
        attempts += 1;
        return target.applyBatch(events);
      },
      readVersions: (refs: Parameters<MemoryTarget['readVersions']>[0]) => target.readVersions(refs),
      listDocuments: (source: string) => target.listDocuments(source),
    };
    // The first retry's wait never ends by itself: only the shutdown can end it.
    const deps = {
      ...h.deps,
      target: counting,
      backoff: { attempts: 5, initialDelayMs: 60_000, maxDelayMs: 60_000 },
      wait: () => {
        shutdown.abort(new ShutdownError());
        return new Promise<void>(() => {});
      },
      signal: shutdown.signal,
    };
    const messages = [eventMessage({ id: 'a', lsn: 1 }, 'a1'), eventMessage({ id: 'b', lsn: 2 }, 'b2')];
    await expect(processBatch(deps, messages)).rejects.toBeInstanceOf(ShutdownError);
    expect(attempts).toBe(1);
    expect(target.liveDocuments().size).toBe(0);
    expect(h.poison.records).toEqual([]);
    expect(h.recorded).toHaveLength(1);
    expect(h.recorded[0]).toMatchObject({
      applied: 0,
      deadLettered: 0,
      errorsByCode: { MEMORY_UNAVAILABLE: 1, SHUTTING_DOWN: 2 },
    });
  });

  it('starts nothing when the app is already shutting down', async () => {
    const h = harness();
    const shutdown = new AbortController();
    shutdown.abort(new ShutdownError());
    await expect(
      processBatch({ ...h.deps, signal: shutdown.signal }, [eventMessage({ id: 'a', lsn: 1 }, 'a1')]),
    ).rejects.toBeInstanceOf(ShutdownError);
    expect(h.target.liveDocuments().size).toBe(0);
  });
});
