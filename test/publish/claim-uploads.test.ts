/**
 * The publisher's claim uploads without I/O (an in-memory claim container): the cap, the bounded concurrency, one
 * upload per event, and failures that surface where the sender awaits them and nowhere else.
 */
import { describe, expect, it } from 'vitest';
import { ShutdownError } from '../../shared/errors.js';
import type { ChangeEvent } from '../../shared/events/envelope.js';
import { ClaimUploads, type PendingMessage } from '../../shared/publish/claim-uploads.js';
import { toServiceBusMessage } from '../../shared/publish/to-message.js';
import { MemoryClaims } from '../claims/memory-claims.js';
import { makeEvent } from '../support/events.js';

function pending(event: ChangeEvent): PendingMessage {
  const message = toServiceBusMessage(event, { sessionBuckets: 4 });
  return { message, bytes: message.body as Buffer, event, item: event.payload, documentId: event.documentId };
}
const entries = (count: number, size = 1_000) =>
  Array.from({ length: count }, (_, index) =>
    pending(makeEvent({ id: `d${index}`, lsn: index + 1, data: { blob: 'x'.repeat(size) } })),
  );

describe('ClaimUploads', () => {
  it('stores the exact event bytes and gives back the reference message', async () => {
    const claims = new MemoryClaims();
    const [entry] = entries(1) as [PendingMessage];
    const claimed = await new ClaimUploads({ store: claims, maxEventBytes: 10_000 }, undefined).claim(entry);
    if (!claimed.ok) throw new Error(claimed.reason);
    expect(claims.blobs.get(claimed.blob)).toEqual(entry.bytes);
    expect(claimed.message).toMatchObject({ messageId: entry.event.eventId, sessionId: entry.message.sessionId });
    expect((claimed.message.body as Buffer).length).toBeLessThan(1_000);
  });

  it('refuses an event above the cap without storing it', async () => {
    const claims = new MemoryClaims();
    const [entry] = entries(1, 5_000) as [PendingMessage];
    const claimed = await new ClaimUploads({ store: claims, maxEventBytes: 4_096 }, undefined).claim(entry);
    expect(claimed).toEqual({
      ok: false,
      reason: `event is ${entry.bytes.length} bytes, above COSMOS_SYNC_CLAIM_MAX_BYTES (4096), the largest event the claim check stores`,
    });
    expect(claims.puts).toEqual([]);
  });

  it('uploads what it prefetches a few at a time, in feed order, and each event once', async () => {
    const claims = new MemoryClaims();
    let open: () => void = () => {};
    claims.gate = new Promise<void>((resolve) => (open = resolve));
    const all = entries(10);
    const uploads = new ClaimUploads({ store: claims, maxEventBytes: 10_000 }, undefined);
    uploads.prefetch(all);
    const first = uploads.claim(all[0] as PendingMessage);
    expect(uploads.claim(all[0] as PendingMessage)).toBe(first);
    // Let every upload that can start reach the gate (microtasks only, no timer).
    for (let turn = 0; turn < 50; turn += 1) await Promise.resolve();
    expect(claims.inFlight).toBe(4);
    open();
    const claimed = await Promise.all(all.map((entry) => uploads.claim(entry)));
    expect(claimed.every((result) => result.ok)).toBe(true);
    expect(claims.maxInFlight).toBe(4);
    expect(claims.puts).toHaveLength(10);
    expect(claims.puts).toEqual(claimed.map((result) => (result.ok ? result.blob : '')));
  });

  it('rejects where the sender awaits a failed upload; one never awaited raises no unhandled rejection', async () => {
    const claims = new MemoryClaims();
    claims.down = true;
    const all = entries(3);
    const uploads = new ClaimUploads({ store: claims, maxEventBytes: 10_000 }, undefined);
    uploads.prefetch(all);
    await expect(uploads.claim(all[0] as PendingMessage)).rejects.toMatchObject({
      code: 'CLAIM_UNAVAILABLE',
      retryable: true,
    });
    // The others failed too and nobody awaits them: vitest fails the run on an unhandled rejection.
  });

  it('starts no upload once the app shuts down', async () => {
    const claims = new MemoryClaims();
    const shutdown = new AbortController();
    shutdown.abort(new ShutdownError());
    const [entry] = entries(1) as [PendingMessage];
    await expect(
      new ClaimUploads({ store: claims, maxEventBytes: 10_000 }, shutdown.signal).claim(entry),
    ).rejects.toBeInstanceOf(ShutdownError);
    expect(claims.puts).toEqual([]);
  });
});
