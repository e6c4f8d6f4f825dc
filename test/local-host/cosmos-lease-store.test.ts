/**
 * The lease writes balancing and splits rely on, against an in-memory stand-in for the lease container: acquiring
 * (stealing) goes through a renewal of the current owner but not through another taker; a deleted lease is lost to
 * its owner; split children are created once.
 */
import { describe, expect, it } from 'vitest';
import type { Container } from '@azure/cosmos';
import { LeaseLostError, LeaseStore } from '../../local-host/cosmos/lease-store.js';
import type { HostLogger } from '../../local-host/log.js';
import { newLease, type LeaseDocument } from '../../shared/leases/lease-documents.js';

class CosmosError extends Error {
  constructor(readonly code: number) {
    super(`status ${code}`);
  }
}

/** Documents by id with etags; replace honours If-Match, as the lease container does. */
function fakeContainer(): { container: Container; docs: Map<string, LeaseDocument> } {
  const docs = new Map<string, LeaseDocument>();
  let etag = 0;
  const stamp = (document: LeaseDocument): LeaseDocument => {
    const stored = { ...document, _etag: `"${++etag}"` };
    docs.set(stored.id, stored);
    return stored;
  };
  const container = {
    items: {
      create: (document: LeaseDocument) => {
        if (docs.has(document.id)) return Promise.reject(new CosmosError(409));
        const resource = stamp(document);
        return Promise.resolve({ resource, etag: resource._etag });
      },
    },
    item: (id: string) => ({
      read: () => Promise.resolve({ resource: docs.get(id), statusCode: docs.has(id) ? 200 : 404 }),
      replace: (body: LeaseDocument, options: { accessCondition: { condition: string } }) => {
        const current = docs.get(id);
        if (!current) return Promise.reject(new CosmosError(404));
        if (current._etag !== options.accessCondition.condition) return Promise.reject(new CosmosError(412));
        return Promise.resolve({ resource: stamp(body) });
      },
      delete: () => (docs.delete(id) ? Promise.resolve({}) : Promise.reject(new CosmosError(404))),
    }),
  };
  return { container: container as unknown as Container, docs };
}

const silent = { info: () => {}, warn: () => {}, error: () => {}, debug: () => {} } as unknown as HostLogger;

async function setup() {
  const fake = fakeContainer();
  const a = new LeaseStore(fake.container, 'p', 'host-a', silent);
  const b = new LeaseStore(fake.container, 'p', 'host-b', silent);
  const created = await a.create(newLease('p', { id: '0', min: '', max: 'FF' }, 'LatestVersion'));
  const held = await a.acquire(created as LeaseDocument);
  return { ...fake, a, b, held: held as LeaseDocument };
}

describe('LeaseStore', () => {
  it('steals a lease even if its owner renewed it since it was listed, and the owner then loses it', async () => {
    const { a, b, held, docs } = await setup();
    const listed = { ...held };
    const renewed = await a.renew(held);
    const stolen = await b.acquire(listed);
    expect(stolen?.Owner).toBe('host-b');
    expect(docs.get(held.id)?.Owner).toBe('host-b');
    await expect(a.renew(renewed)).rejects.toThrow(LeaseLostError);
    await expect(a.checkpoint(renewed, '"9"')).rejects.toThrow(/taken over by owner "host-b"/);
  });

  it('does not take a lease another instance took since it was listed', async () => {
    const { container, b, held, docs } = await setup();
    const c = new LeaseStore(container, 'p', 'host-c', silent);
    await b.acquire({ ...held });
    expect(await c.acquire({ ...held })).toBeUndefined();
    expect(docs.get(held.id)?.Owner).toBe('host-b');
  });

  it('keeps the newest checkpoint when stealing after a conflict', async () => {
    const { a, b, held } = await setup();
    await a.checkpoint(held, '"7"');
    const stolen = await b.acquire(held);
    expect(stolen).toMatchObject({ Owner: 'host-b', ContinuationToken: '"7"' });
  });

  it('creates a split child once, deletes a parent idempotently, and reports a deleted lease as lost', async () => {
    const { a, held } = await setup();
    const child = newLease('p', { id: '1', min: '', max: '80' }, 'LatestVersion');
    expect(await a.create(child)).toMatchObject({ id: child.id });
    expect(await a.create(child)).toBeUndefined();
    await a.delete(held);
    await a.delete(held);
    await expect(a.renew(held)).rejects.toThrow(/no longer exists/);
    expect(await a.acquire(held)).toBeUndefined();
  });
});
