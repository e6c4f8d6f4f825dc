/**
 * The subscriber's half of the claim check, without I/O: resolving references against an in-memory claim container,
 * and what the runner does with each outcome (apply, poison record, or fail the batch so it comes again).
 */
import { describe, expect, it } from 'vitest';
import { claimCheckedMessage } from '../../../shared/claims/message.js';
import { claimReferenceFor, type ClaimReference } from '../../../shared/claims/reference.js';
import type { ChangeEvent } from '../../../shared/events/envelope.js';
import { ShutdownError } from '../../../shared/errors.js';
import { createLogger } from '../../../shared/logging.js';
import type { PoisonRecord } from '../../../shared/poison/record.js';
import { toServiceBusMessage } from '../../../shared/publish/to-message.js';
import type { BatchSummary } from '../../../shared/subscribe/batch-summary.js';
import type { Delivery } from '../../../shared/subscribe/delivery.js';
import { resolveClaim } from '../../../shared/subscribe/resolve-claims.js';
import { processBatch, type SubscriberDeps } from '../../../shared/subscribe/runner.js';
import { MemoryClaims } from '../../claims/memory-claims.js';
import { makeEvent } from '../../support/events.js';
import { MemoryTarget } from '../../support/memory-target.js';

/** An event stored in `claims` as the publisher would store it, and the reference message's body. */
function stored(claims: MemoryClaims, event: ChangeEvent, container = claims.container) {
  const message = toServiceBusMessage(event, { sessionBuckets: 4 });
  const bytes = message.body as Buffer;
  const reference = claimReferenceFor(bytes, event.publishedAt, container);
  claims.blobs.set(reference.blob, bytes);
  return { reference, bytes, body: claimCheckedMessage(message, event, reference).body as Buffer };
}

let counter = 0;
function delivery(body: Buffer, messageId = `m${(counter += 1)}`): Delivery {
  return {
    body,
    messageId,
    sessionId: undefined,
    correlationId: undefined,
    deliveryCount: 1,
    enqueuedTimeUtc: undefined,
    sequenceNumber: undefined,
    replayKind: undefined,
  };
}
const eventDelivery = (event: ChangeEvent, messageId?: string) =>
  delivery(Buffer.from(JSON.stringify(event)), messageId);

function harness(target = new MemoryTarget('t')) {
  const claims = new MemoryClaims();
  const poisoned: PoisonRecord[] = [];
  const recorded: BatchSummary[] = [];
  const logs: string[] = [];
  const sink = {
    debug: () => {},
    info: () => {},
    warn: (l: string) => logs.push(l),
    error: (l: string) => logs.push(l),
  };
  const deps: SubscriberDeps = {
    target,
    claims,
    recorder: { record: async (summary) => void recorded.push(summary) },
    poison: { record: async (records) => void poisoned.push(...records) },
    logger: createLogger(sink, 'debug'),
    backoff: { attempts: 2, initialDelayMs: 1, maxDelayMs: 1 },
    wait: async () => {},
  };
  return { deps, target, claims, poisoned, recorded, logs };
}

const big = (id: string, lsn: number) => makeEvent({ id, lsn, data: { blob: 'x'.repeat(2_000) } });

describe('resolveClaim', () => {
  const claims = new MemoryClaims();
  const event = big('a', 1);
  const resolve = (reference: ClaimReference, eventId: string | undefined = event.eventId) =>
    resolveClaim(claims, reference, eventId);

  it('gives back the event whose bytes the reference names', async () => {
    const { reference } = stored(claims, event);
    expect(await resolve(reference)).toEqual({ ok: true, event });
  });

  it('sets aside a reference whose blob is gone', async () => {
    const { reference } = stored(claims, big('gone', 2));
    claims.blobs.delete(reference.blob);
    expect(await resolve(reference, undefined)).toEqual({
      ok: false,
      reason: 'ClaimCheckMissing',
      description: expect.stringMatching(
        new RegExp(
          `^claim blob claims/${reference.blob} does not exist \\(expired after COSMOS_SYNC_CLAIM_RETENTION_DAYS`,
        ),
      ),
    });
  });

  it('sets aside a blob whose bytes are not the referenced ones: changed, cut short, or another event', async () => {
    const { reference, bytes } = stored(claims, event);
    const changed = Buffer.from(bytes);
    changed[changed.length - 3] = 0x41;
    claims.blobs.set(reference.blob, changed);
    expect(await resolve(reference)).toMatchObject({
      ok: false,
      reason: 'ClaimCheckCorrupt',
      description: expect.stringMatching(/holds \d+ bytes with SHA-256 [0-9a-f]{64}, the reference expects \d+ bytes/),
    });
    claims.blobs.set(reference.blob, bytes.subarray(0, 10));
    expect(await resolve(reference)).toMatchObject({
      ok: false,
      reason: 'ClaimCheckCorrupt',
      description: `claim blob claims/${reference.blob} holds 10 bytes, the reference expects ${bytes.length} bytes with SHA-256 ${reference.sha256}`,
    });
    const other = stored(claims, big('other', 3));
    expect(await resolve(other.reference, event.eventId)).toMatchObject({
      ok: false,
      reason: 'ClaimCheckCorrupt',
      description: `claim blob claims/${other.reference.blob} holds event ${big('other', 3).eventId}, not ${event.eventId}`,
    });
  });

  it('validates the stored event like any event body', async () => {
    const bytes = Buffer.from('{"schemaVersion":1,"eventId":"x"}');
    const reference = claimReferenceFor(bytes, '2026-12-05T00:00:00.000Z', 'claims');
    claims.blobs.set(reference.blob, bytes);
    expect(await resolve(reference, 'x')).toMatchObject({
      ok: false,
      reason: 'InvalidEvent',
      description: expect.stringMatching(
        new RegExp(`^claim-checked event in claims/${reference.blob}: not a valid event`),
      ),
    });
  });

  it('reads only its own claim container, and needs a reader', async () => {
    const { reference } = stored(claims, event, 'someone-elses');
    expect(await resolve(reference)).toEqual({
      ok: false,
      reason: 'ClaimCheckInvalid',
      description:
        'the reference names claim container "someone-elses", this subscriber reads "claims" (COSMOS_SYNC_CLAIM_CONTAINER)',
    });
    expect(await resolveClaim(undefined, stored(claims, event).reference, undefined)).toMatchObject({
      ok: false,
      reason: 'ClaimCheckUnresolvable',
    });
  });

  it('throws a retryable error when storage is down, and the shutdown when the app stops', async () => {
    const { reference } = stored(claims, event);
    claims.down = true;
    try {
      await expect(resolve(reference)).rejects.toMatchObject({ code: 'CLAIM_UNAVAILABLE', retryable: true });
      const shutdown = new AbortController();
      shutdown.abort(new ShutdownError());
      await expect(resolveClaim(claims, reference, undefined, shutdown.signal)).rejects.toBeInstanceOf(ShutdownError);
    } finally {
      claims.down = false;
    }
  });
});

describe('processBatch with claim-checked messages', () => {
  it('applies resolved events beside plain ones and sets aside missing, corrupt and malformed references', async () => {
    const h = harness();
    const resolved = stored(h.claims, big('large', 1));
    const missing = stored(h.claims, big('missing', 2));
    h.claims.blobs.delete(missing.reference.blob);
    const corrupt = stored(h.claims, big('corrupt', 3));
    h.claims.blobs.set(corrupt.reference.blob, Buffer.from('{}'));
    const malformed = Buffer.from(JSON.stringify({ claimCheck: { format: 1 }, eventId: 'e-9' }));
    const summary = await processBatch(h.deps, [
      eventDelivery(makeEvent({ id: 'small', lsn: 4 }), 'small'),
      delivery(resolved.body, 'large'),
      delivery(missing.body, 'missing'),
      delivery(corrupt.body, 'corrupt'),
      delivery(malformed, 'malformed'),
    ]);
    expect(summary).toMatchObject({ received: 5, applied: 2, deadLettered: 3 });
    expect(summary.errorsByCode).toEqual({ ClaimCheckMissing: 1, ClaimCheckCorrupt: 1, ClaimCheckInvalid: 1 });
    expect([...h.target.liveDocuments().values()].map((doc) => doc['id']).sort()).toEqual(['large', 'small']);
    expect(h.poisoned.map((record) => [record.messageId, record.reason, record.eventId])).toEqual([
      ['missing', 'ClaimCheckMissing', big('missing', 2).eventId],
      ['corrupt', 'ClaimCheckCorrupt', big('corrupt', 3).eventId],
      ['malformed', 'ClaimCheckInvalid', 'e-9'],
    ]);
    // The body exactly as delivered: the reference, so an operator can resubmit it while the blob is kept.
    expect(h.poisoned[0]?.body).toEqual(missing.body);
    expect(h.poisoned[0]?.documentKey).toBe(JSON.stringify({ documentId: 'missing', partitionKey: 'pk-1' }));
  });

  it('fails the batch, applying nothing, while the claim container cannot be read; applies it all once it can', async () => {
    const h = harness();
    const resolved = stored(h.claims, big('large', 1));
    const batch = [
      eventDelivery(makeEvent({ id: 'small', lsn: 2 }), 'small'),
      delivery(resolved.body, 'large'),
      delivery(Buffer.from('not json'), 'junk'),
    ];
    h.claims.down = true;
    await expect(processBatch(h.deps, batch)).rejects.toMatchObject({ code: 'CLAIM_UNAVAILABLE', retryable: true });
    expect(h.target.rows.size).toBe(0);
    // What is invalid anyway is set aside at once; the failure is recorded for the status page and counted once per
    // message that comes again.
    expect(h.poisoned.map((record) => record.messageId)).toEqual(['junk']);
    expect(h.recorded.at(-1)).toMatchObject({
      applied: 0,
      deadLettered: 0,
      errorsByCode: { InvalidEvent: 1, CLAIM_UNAVAILABLE: 2 },
      errorsByClass: { transient: 2, permanent: 1 },
      lastError: { code: 'CLAIM_UNAVAILABLE', class: 'transient' },
    });
    expect(h.logs.some((line) => line.includes('"event":"claims.unavailable"'))).toBe(true);

    h.claims.down = false;
    const summary = await processBatch(h.deps, batch);
    expect(summary).toMatchObject({ applied: 2, deadLettered: 1 });
  });

  it('keeps delivery order for a target that applies every version', async () => {
    const target = Object.assign(new MemoryTarget('log'), { appliesEveryVersion: true as const });
    const seen: string[] = [];
    const apply = target.applyBatch.bind(target);
    target.applyBatch = async (events) => {
      seen.push(...events.map((event) => event.documentId));
      return apply(events);
    };
    const h = harness(target);
    const second = stored(h.claims, big('two', 2));
    await processBatch(h.deps, [
      eventDelivery(makeEvent({ id: 'one', lsn: 1 })),
      delivery(second.body),
      eventDelivery(makeEvent({ id: 'three', lsn: 3 })),
    ]);
    expect(seen).toEqual(['one', 'two', 'three']);
  });

  it('sets a claim check aside as unresolvable when the subscriber has no claim reader', async () => {
    const h = harness();
    const { body } = stored(h.claims, big('large', 1));
    const summary = await processBatch({ ...h.deps, claims: undefined }, [delivery(body, 'large')]);
    expect(summary).toMatchObject({ applied: 0, deadLettered: 1 });
    expect(h.poisoned[0]).toMatchObject({ reason: 'ClaimCheckUnresolvable', messageId: 'large' });
  });
});
