import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changeEventSchema, type ChangeEvent } from '../../shared/events/envelope.js';
import { coalesce } from '../../shared/targets/coalesce.js';
import { escapeSegment, partitionKeySegment } from '../../shared/targets/blob/naming.js';
import { makeEvent, seededRandom, shuffle } from '../support/events.js';
import { listBlobs, startBlobStack, type BlobStack } from './blob-support.js';

let stack: BlobStack;
beforeAll(async () => {
  stack = await startBlobStack();
});
afterAll(async () => {
  await stack.azurite.close();
});

const archivedAt = new Date('2025-01-02T03:04:05.678Z');
const openArchive = (config: Record<string, unknown> = {}) =>
  stack.openTarget({ mode: 'archive', prefix: 'raw', ...config }, { now: () => archivedAt });

/** Events of several documents over two source hours, with updates, deletes and a second source. */
function history(): ChangeEvent[] {
  const hour = Date.UTC(2024, 4, 1, 13) / 1000;
  return [
    ...[1, 2, 3].map((lsn) => makeEvent({ id: 'a', lsn, ts: hour + lsn, data: { v: lsn } })),
    makeEvent({ id: 'a', lsn: 4, ts: hour + 3_600, op: 'delete' }),
    ...[1, 2].map((lsn) => makeEvent({ id: `b/${lsn}`, pk: 'p ü', lsn, ts: hour + 10 })),
    makeEvent({ id: 'c', lsn: 7, ts: hour + 20, source: 'other-source', data: { v: 7 } }),
  ];
}

describe('blob target, archive mode', () => {
  it('writes each event as one NDJSON line under the UTC hour of its source timestamp', async () => {
    const { target, container } = await openArchive();
    const events = history();
    expect(await target.applyBatch(events)).toEqual(events.map((e) => ({ eventId: e.eventId, status: 'applied' })));
    const blobs = await listBlobs(container);
    expect(blobs.map((blob) => blob.name)).toEqual(
      [
        ...events.slice(0, 3).map((e) => `raw/test-source/2024/05/01/13/${e.eventId}.ndjson`),
        `raw/test-source/2024/05/01/14/${events[3]?.eventId}.ndjson`,
        ...events.slice(4, 6).map((e) => `raw/test-source/2024/05/01/13/${e.eventId}.ndjson`),
        `raw/other-source/2024/05/01/13/${events[6]?.eventId}.ndjson`,
      ].sort(),
    );
    for (const blob of blobs) {
      expect(blob.text.endsWith('\n')).toBe(true);
      const lines = blob.text.trimEnd().split('\n');
      expect(lines).toHaveLength(1);
      const line = JSON.parse(lines[0] as string) as Record<string, unknown>;
      expect(line['archivedAt']).toBe(archivedAt.toISOString());
      // The line is the envelope as published: a reader can validate it with the same schema as a subscriber.
      const { archivedAt: _, ...envelope } = line;
      const event = changeEventSchema.parse(envelope);
      expect(blob.name).toContain(event.eventId);
      // The version, and the document escaped like a name segment, so reading back needs no download.
      expect(blob.metadata).toEqual({
        lsn: String(event.version.lsn),
        ts: String(event.version.ts),
        deleted: String(event.operation === 'delete'),
        documentid: escapeSegment(event.documentId),
        partitionkey: partitionKeySegment(event.partitionKey),
      });
    }
    const deletion = blobs.find((blob) => blob.name.includes('/14/'));
    expect(JSON.parse(deletion?.text ?? '')).toMatchObject({ operation: 'delete', payload: null, documentId: 'a' });
    const properties = await container.getBlobClient(blobs[0]?.name ?? '').getProperties();
    expect(properties.contentType).toBe('application/x-ndjson; charset=utf-8');
  });

  it('writes nothing when an identical batch is redelivered', async () => {
    const { target, container } = await openArchive();
    const events = history();
    await target.applyBatch(events);
    const before = await listBlobs(container);
    expect(await target.applyBatch(events)).toEqual(events.map((e) => ({ eventId: e.eventId, status: 'stale' })));
    expect(await listBlobs(container)).toEqual(before);
  });

  it('stores each event exactly once however redeliveries are grouped, coalesced or run in parallel', async () => {
    const { target, container } = await openArchive();
    const events = Array.from({ length: 30 }, (_, index) =>
      makeEvent({ id: `d${index % 6}`, lsn: index + 1, ts: 1_714_568_400 + index * 600, data: { index } }),
    );
    const random = seededRandom(5);
    // First delivery: a few partial batches succeed (as if the rest failed and were abandoned).
    await target.applyBatch(coalesce(events.slice(0, 7)).latest);
    await target.applyBatch(events.slice(10, 14));
    // Redeliveries regrouped differently, coalesced per batch, overlapping, several at once.
    for (let round = 0; round < 3; round += 1) {
      const delivered = shuffle([...events, ...events.slice(0, 9)], random);
      const batches = [0, 1, 2, 3].map((slot) => delivered.filter((_, index) => index % 4 === slot));
      await Promise.all(batches.map((batch) => target.applyBatch(round === 0 ? coalesce(batch).latest : batch)));
    }
    const blobs = await listBlobs(container);
    const ids = blobs.map((blob) => (JSON.parse(blob.text) as { eventId: string }).eventId);
    expect(ids).toHaveLength(events.length);
    expect(new Set(ids)).toEqual(new Set(events.map((event) => event.eventId)));
  });

  it('archives versions in any order: the version guard does not apply to a log', async () => {
    const { target, container } = await openArchive({ prefix: '' });
    const newer = makeEvent({ id: 'x', lsn: 9 });
    const older = makeEvent({ id: 'x', lsn: 2 });
    expect(await target.applyBatch([newer])).toMatchObject([{ status: 'applied' }]);
    expect(await target.applyBatch([older])).toMatchObject([{ status: 'applied' }]);
    expect(await listBlobs(container)).toHaveLength(2);
  });

  it('projects the payload when a projection is configured and rejects an event whose projection throws', async () => {
    const { target, container } = await stack.openTarget(
      { mode: 'archive' },
      {
        project: (document) => {
          if (document['secret'] === 'boom') throw new Error('cannot project');
          return { ...document, secret: undefined, projected: true };
        },
      },
    );
    const good = makeEvent({ id: 'g', lsn: 1, data: { secret: 's', keep: 1 } });
    const bad = makeEvent({ id: 'b', lsn: 1, data: { secret: 'boom' } });
    const outcomes = await target.applyBatch([good, bad]);
    expect(outcomes[0]).toMatchObject({ status: 'applied' });
    expect(outcomes[1]).toMatchObject({ status: 'rejected', error: { code: 'PROJECTION_FAILED', retryable: false } });
    const [blob] = await listBlobs(container);
    const line = JSON.parse(blob?.text ?? '') as { payload: Record<string, unknown> };
    expect(line.payload).toEqual({ id: 'g', pk: 'pk-1', keep: 1, projected: true });
  });

  it('rejects an event whose source timestamp has no yyyy folder', async () => {
    const { target } = await openArchive();
    const event = makeEvent({ id: 'far', lsn: 1, ts: 253_402_300_800 });
    expect(await target.applyBatch([event])).toMatchObject([
      { status: 'rejected', error: { code: 'BLOB_BAD_TIMESTAMP', retryable: false } },
    ]);
  });
});
