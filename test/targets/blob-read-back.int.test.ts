/**
 * Reading back the Blob target beyond the contract (which runs latest mode with short names): documents under hashed
 * names, blobs in the source's folder that the target did not write, and archive mode, where what is held is the
 * newest version archived per document, found from listing metadata (or, for blobs archived before the metadata
 * named the document, from their bodies).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ChangeEvent } from '../../shared/events/envelope.js';
import { BlobTarget } from '../../shared/targets/blob/index.js';
import { refKey, refOf } from '../../shared/targets/read-back.js';
import type { HeldDocument, Target } from '../../shared/targets/target.js';
import { makeEvent } from '../support/events.js';
import { startBlobStack, type BlobStack } from './blob-support.js';

let stack: BlobStack;
beforeAll(async () => {
  stack = await startBlobStack();
});
afterAll(async () => {
  await stack.azurite.close();
});

async function listed(target: Target, source = 'test-source'): Promise<{ pages: number; documents: HeldDocument[] }> {
  let pages = 0;
  const documents: HeldDocument[] = [];
  for await (const page of target.listDocuments(source)) {
    pages += 1;
    documents.push(...page);
  }
  return { pages, documents: documents.sort((a, b) => refKey(a).localeCompare(refKey(b))) };
}

const heldOf = (event: ChangeEvent): HeldDocument => ({
  ...refOf(event),
  version: event.version,
  deleted: event.operation === 'delete',
});
const sorted = (documents: HeldDocument[]) => documents.sort((a, b) => refKey(a).localeCompare(refKey(b)));

describe('blob target, reading back', () => {
  it('latest mode: names a document under a hashed name from its body, and skips blobs it did not write', async () => {
    const { target, container } = await stack.openTarget({ prefix: 'copy' });
    const long = makeEvent({ id: `long-${'é'.repeat(200)}`, pk: ['tenant', 1], lsn: 3 });
    const lone = makeEvent({ id: 'lone-\ud800-surrogate', lsn: 4 });
    const plain = makeEvent({ id: 'plain', lsn: 5, op: 'delete' });
    await target.applyBatch([long, lone, plain]);
    // Someone else's blobs in the source's folder: no version metadata, or a name the target never makes.
    await container.getBlockBlobClient('copy/test-source/pk-1/foreign.json').upload('{}', 2);
    await container
      .getBlockBlobClient('copy/test-source/notes.txt')
      .upload('x', 1, { metadata: { lsn: '1', ts: '1' } });
    expect(await target.readVersions([refOf(long), refOf(lone), refOf(plain)])).toEqual(
      [long, lone, plain].map((event) => ({ version: event.version, deleted: event.operation === 'delete' })),
    );
    expect((await listed(target)).documents).toEqual(sorted([long, lone, plain].map(heldOf)));
  });

  describe('archive mode', () => {
    const history = [
      makeEvent({ id: 'a', lsn: 3, data: { v: 3 } }),
      makeEvent({ id: 'a', lsn: 1, data: { v: 1 } }),
      makeEvent({ id: 'a', lsn: 7, op: 'delete' }),
      makeEvent({ id: 'a', lsn: 5, data: { v: 5 } }),
      makeEvent({ id: 'b/ü', pk: null, lsn: 2 }),
      makeEvent({ id: 'c', pk: ['x', 1], lsn: 4 }),
      makeEvent({ id: 'c', pk: ['x', 1], lsn: 6, ts: 1_800_000_000 }),
      makeEvent({ id: 'a', lsn: 9, source: 'other-source' }),
    ];
    const newest = [history[2], history[4], history[6]] as ChangeEvent[];

    it('holds the newest version archived per document, in any arrival order, tombstones included', async () => {
      const { target } = await stack.openTarget({ mode: 'archive', prefix: 'raw' }, { readPageSize: 2 });
      await target.applyBatch(history.slice(0, 3));
      // A first pass is taken here; later archives by this process are added to it without a new listing.
      expect(await target.readVersions([refOf(history[0] as ChangeEvent)])).toEqual([
        { version: history[2]?.version, deleted: true },
      ]);
      await target.applyBatch(history.slice(3));
      const refs = [...newest.map(refOf), refOf(makeEvent({ id: 'never', lsn: 1 })), refOf(newest[0] as ChangeEvent)];
      expect(await target.readVersions(refs)).toEqual([
        ...newest.map((event) => ({ version: event.version, deleted: event.operation === 'delete' })),
        undefined,
        { version: newest[0]?.version, deleted: true },
      ]);
      const { pages, documents } = await listed(target);
      expect(pages).toBe(2);
      expect(documents).toEqual(sorted(newest.map(heldOf)));
      expect((await listed(target, 'other-source')).documents).toEqual([heldOf(history[7] as ChangeEvent)]);
    });

    it("finds another writer's archives, and names blobs archived before the metadata named the document", async () => {
      const { target, container } = await stack.openTarget({ mode: 'archive', prefix: 'raw' });
      // Another process (a second instance) archives into the same folder; this one reads with a fresh pass each time.
      const reader = new BlobTarget({
        name: 'reader',
        container,
        mode: 'archive',
        prefix: 'raw',
        createIfNotExists: false,
        concurrency: 4,
        archiveIndexMaxAgeMs: 0,
      });
      await reader.open();
      await target.applyBatch(history);
      // Strip the document's name from one blob's metadata, as archives written by earlier versions have it.
      const old = history[6] as ChangeEvent;
      for await (const item of container.listBlobsFlat({ prefix: 'raw/', includeMetadata: true })) {
        if (!item.name.includes(old.eventId)) continue;
        const { documentid: _, partitionkey: __, ...metadata } = item.metadata ?? {};
        await container.getBlobClient(item.name).setMetadata(metadata);
      }
      expect(await reader.readVersions(newest.map(refOf))).toEqual(
        newest.map((event) => ({ version: event.version, deleted: event.operation === 'delete' })),
      );
      expect((await listed(reader)).documents).toEqual(sorted(newest.map(heldOf)));
    });
  });
});
