import { describe, expect, it } from 'vitest';
import type { PartitionKeyValue } from '../../shared/events/envelope.js';
import { blobTargetSchema } from '../../shared/targets/blob/config.js';
import { refFromMetadata, refMetadata } from '../../shared/targets/blob/document.js';
import {
  archiveBlobName,
  escapeSegment,
  isArchiveBlobName,
  latestBlobName,
  parseLatestBlobName,
  sourceFolder,
  unescapeSegment,
} from '../../shared/targets/blob/naming.js';
import { makeEvent } from '../support/events.js';

const awkwardIds = [
  `it's "quoted" -- 100% ü 😀`,
  'a/b/../c',
  'trailing.',
  '~7E already escaped-looking',
  'back\\slash?query#frag',
  'tab\tnew\nline',
  '   ',
];

describe('blob names', () => {
  it('escape to a URL-safe alphabet and decode back exactly', () => {
    for (const id of awkwardIds) {
      const escaped = escapeSegment(id);
      expect(escaped).toMatch(/^(?:[A-Za-z0-9_-]|~[0-9A-F]{2})+$/);
      expect(unescapeSegment(escaped)).toBe(id);
    }
    expect(escapeSegment('order-42_a')).toBe('order-42_a');
    expect(escapeSegment('a/b')).toBe('a~2Fb');
    expect(escapeSegment('ü')).toBe('~C3~BC');
  });

  it('name a document by source, partition key and id, readable for plain keys', () => {
    const name = latestBlobName('lake/copy', makeEvent({ id: 'order-1', pk: 'customer-7', lsn: 1 }));
    expect(name).toBe('lake/copy/test-source/customer-7/order-1.json');
    expect(latestBlobName('', makeEvent({ id: 'a.b', pk: 'p', lsn: 1 }))).toBe('test-source/p/a~2Eb.json');
  });

  it('keep keys of different types and shapes apart', () => {
    const keys: PartitionKeyValue[] = ['1', 1, true, 'true', null, 'null', '', ['a', 'b'], ['a/b'], '~J1'];
    // Spread rather than `makeEvent({ pk })`, which would replace a null key with its default.
    const names = keys.map((partitionKey) => latestBlobName('', { ...makeEvent({ id: 'x', lsn: 1 }), partitionKey }));
    expect(new Set(names).size).toBe(keys.length);
    for (const [index, name] of names.entries()) {
      expect(parseLatestBlobName('', name)).toEqual({
        kind: 'readable',
        source: 'test-source',
        partitionKey: keys[index],
        documentId: 'x',
      });
    }
  });

  it('round-trip awkward ids and never add a "/" of their own', () => {
    for (const id of awkwardIds) {
      const name = latestBlobName('p', makeEvent({ id, pk: `pk '%' -- ü`, lsn: 1 }));
      expect(name.split('/')).toHaveLength(4);
      expect(parseLatestBlobName('p', name)).toMatchObject({ documentId: id, partitionKey: `pk '%' -- ü` });
    }
  });

  it('fall back to a hashed name beyond Azure limits or for ids with lone surrogates', () => {
    const long = latestBlobName('', makeEvent({ id: 'ü'.repeat(200), lsn: 1 }));
    expect(long).toMatch(/^test-source\/~H\/[0-9a-f]{64}\.json$/);
    expect(latestBlobName('', makeEvent({ id: 'ü'.repeat(200), lsn: 9 }))).toBe(long);
    expect(latestBlobName('', makeEvent({ id: 'ü'.repeat(201), lsn: 1 }))).not.toBe(long);
    expect(parseLatestBlobName('', long)).toMatchObject({ kind: 'hashed', source: 'test-source' });
    const lone = latestBlobName('', makeEvent({ id: 'a\ud800', lsn: 1 }));
    expect(lone).not.toBe(latestBlobName('', makeEvent({ id: 'a\udc00', lsn: 1 })));
    expect(lone).toContain('/~H/');
    const max = latestBlobName('', makeEvent({ id: 'x'.repeat(250), lsn: 1 }));
    expect(max).not.toContain('/~H/');
    expect(max.length).toBeLessThanOrEqual(1024);
  });

  it('report names it did not write as not its own', () => {
    expect(parseLatestBlobName('', 'a/b.json')).toBeUndefined();
    expect(parseLatestBlobName('', 's/p/%41.json')).toBeUndefined();
    expect(parseLatestBlobName('lake', 'other/s/p/x.json')).toBeUndefined();
  });

  it('file archived events under the UTC hour of their source timestamp, named by event id', () => {
    const event = makeEvent({ id: 'x', lsn: 3, ts: Date.UTC(2024, 1, 29, 23, 59, 59) / 1000 });
    expect(archiveBlobName('raw', event)).toBe(`raw/test-source/2024/02/29/23/${event.eventId}.ndjson`);
    expect(archiveBlobName('', { ...event, version: { lsn: 3, ts: 0 } })).toMatch(/^test-source\/1970\/01\/01\/00\//);
    expect(() => archiveBlobName('', { ...event, version: { lsn: 3, ts: 253_402_300_800 } })).toThrow(RangeError);
    const exotic = archiveBlobName('', { ...event, eventId: 'ü'.repeat(128) });
    expect(exotic).toMatch(/\/[0-9a-f]{64}\.ndjson$/);
  });
});

describe('blob target config', () => {
  const base = { name: 'lake', type: 'blob', subscription: 'lake-target', container: 'lake-copy' };

  it('fills safe defaults', () => {
    expect(blobTargetSchema.parse(base)).toEqual({
      ...base,
      ordered: false,
      connection: 'AzureWebJobsStorage',
      mode: 'latest',
      prefix: '',
      createIfNotExists: true,
      concurrency: 16,
      requestTimeoutMs: 30_000,
      requestAttempts: 3,
    });
  });

  it('refuses container names Azure refuses, with the rule in the message', () => {
    for (const container of ['Upper', 'ab', 'a--b', '-ab', 'ab-', 'a_b', 'x'.repeat(64)]) {
      const result = blobTargetSchema.safeParse({ ...base, container });
      expect(result.success, container).toBe(false);
      expect(result.error?.issues[0]?.message).toMatch(/blob container name/);
    }
  });

  it('accepts folder prefixes and refuses ones that would change the layout', () => {
    for (const prefix of ['lake', 'lake/raw', 'year=2024/v1.2', 'a_b-c']) {
      expect(blobTargetSchema.safeParse({ ...base, prefix }).success, prefix).toBe(true);
    }
    for (const prefix of ['/lake', 'lake/', 'a//b', 'a/./b', '..', 'a/b.', 'ü', 'a b', 'a\\b']) {
      expect(blobTargetSchema.safeParse({ ...base, prefix }).success, prefix).toBe(false);
    }
  });

  it('refuses unknown modes and out-of-range numbers', () => {
    expect(blobTargetSchema.safeParse({ ...base, mode: 'append' }).success).toBe(false);
    expect(blobTargetSchema.safeParse({ ...base, concurrency: 0 }).success).toBe(false);
    expect(blobTargetSchema.safeParse({ ...base, requestAttempts: 11 }).success).toBe(false);
  });
});

describe('blob archive metadata naming the document', () => {
  it('round-trips ids and partition keys of every kind as ASCII metadata values', () => {
    const keys: PartitionKeyValue[] = ['p', '', 0, -1.5, true, null, ['a/b', 1, null], 'ü 😀'];
    for (const [index, partitionKey] of keys.entries()) {
      const documentId = awkwardIds[index % awkwardIds.length] as string;
      const metadata = refMetadata({ documentId, partitionKey });
      for (const value of Object.values(metadata)) expect(value).toMatch(/^[A-Za-z0-9_~-]*$/);
      expect(refFromMetadata({ lsn: '1', ts: '1', deleted: 'false', ...metadata })).toEqual({
        documentId,
        partitionKey,
      });
    }
    // Too long for Azure's 8 KB of metadata: named in the body only.
    expect(refMetadata({ documentId: 'ü'.repeat(2_000), partitionKey: 'p' })).toEqual({});
    // A lone surrogate has no UTF-8 form, so escaping could not give it back: named in the body only.
    expect(refMetadata({ documentId: 'a\ud800', partitionKey: 'p' })).toEqual({});
    expect(refMetadata({ documentId: 'a', partitionKey: ['\udc00'] })).toEqual({});
    expect(refFromMetadata({ lsn: '1', ts: '1' })).toBeUndefined();
    expect(refFromMetadata({ documentid: '~ZZ', partitionkey: 'p' })).toBeUndefined();
  });

  it("tells the archive's names from other blobs in a source's folder", () => {
    const folder = sourceFolder('raw', 'orders/eu');
    expect(folder).toBe('raw/orders~2Feu/');
    const event = makeEvent({ id: 'a', lsn: 1, source: 'orders/eu' });
    expect(isArchiveBlobName(folder, archiveBlobName('raw', event))).toBe(true);
    expect(isArchiveBlobName(folder, latestBlobName('raw', event))).toBe(false);
    expect(isArchiveBlobName(folder, `${folder}2024/05/01/13/notes.txt`)).toBe(false);
    expect(sourceFolder('', 's')).toBe('s/');
  });
});
