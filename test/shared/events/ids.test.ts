import { describe, expect, it } from 'vitest';
import { eventIdFor, sessionIdFor } from '../../../shared/events/ids.js';

describe('eventIdFor', () => {
  const base = { sourceName: 's', documentId: 'd', partitionKey: 'p', lsn: 1, operation: 'upsert' };

  it('is deterministic and fits Service Bus messageId limits even for long document ids', () => {
    expect(eventIdFor(base)).toBe(eventIdFor({ ...base }));
    expect(eventIdFor({ ...base, documentId: 'x'.repeat(1000) })).toHaveLength(64);
  });

  it('changes with every identifying part, including ambiguous concatenations', () => {
    const ids = new Set([
      eventIdFor(base),
      eventIdFor({ ...base, sourceName: 's2' }),
      eventIdFor({ ...base, documentId: 'd2' }),
      eventIdFor({ ...base, partitionKey: 1 }),
      eventIdFor({ ...base, lsn: 2 }),
      eventIdFor({ ...base, operation: 'delete' }),
      eventIdFor({ ...base, sourceName: 's|d', documentId: '' }),
    ]);
    expect(ids.size).toBe(7);
  });
});

describe('sessionIdFor', () => {
  it('maps one key to one stable bucket and spreads keys over all buckets', () => {
    expect(sessionIdFor('customer-1', 16)).toBe(sessionIdFor('customer-1', 16));
    const buckets = new Set(Array.from({ length: 2000 }, (_, index) => sessionIdFor(`customer-${index}`, 16)));
    expect(buckets.size).toBe(16);
    expect([...buckets].every((bucket) => /^bucket-\d{2}$/.test(bucket))).toBe(true);
  });

  it('distinguishes key types that print alike', () => {
    const a = Array.from({ length: 50 }, (_, index) => sessionIdFor(String(index), 1024));
    const b = Array.from({ length: 50 }, (_, index) => sessionIdFor(index, 1024));
    expect(a).not.toEqual(b);
  });

  it.each([0, -1, 1.5, Number.NaN])('rejects a bucket count of %s', (count) => {
    expect(() => sessionIdFor('k', count)).toThrow(/bucketCount/);
  });

  it('uses a single bucket when asked to', () => {
    expect(sessionIdFor(['a', 'b'], 1)).toBe('bucket-0');
  });
});
