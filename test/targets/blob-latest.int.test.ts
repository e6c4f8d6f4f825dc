import { randomUUID } from 'node:crypto';
import {
  AccountSASPermissions,
  AccountSASResourceTypes,
  ContainerClient,
  newPipeline,
  StorageSharedKeyCredential,
} from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AZURITE_ACCOUNT_KEY, AZURITE_ACCOUNT_NAME } from '../../local-stack/azurite.js';
import { BlobTarget, blobTargetSchema, createBlobTarget } from '../../shared/targets/blob/index.js';
import { latestBlobName } from '../../shared/targets/blob/naming.js';
import { makeEvent } from '../support/events.js';
import { startTcpProxy } from '../support/tcp-proxy.js';
import { listBlobs, startBlobStack, type BlobStack } from './blob-support.js';

let stack: BlobStack;
beforeAll(async () => {
  stack = await startBlobStack();
});
afterAll(async () => {
  await stack.azurite.close();
});

const download = async (
  container: { getBlobClient(name: string): { downloadToBuffer(): Promise<Buffer> } },
  name: string,
) => JSON.parse((await container.getBlobClient(name).downloadToBuffer()).toString('utf8')) as Record<string, unknown>;

describe('blob target, latest mode', () => {
  it('stores the document without system properties, with a _sync record, and leaves a tombstone on delete', async () => {
    const { target, container } = await stack.openTarget({ prefix: 'copy' });
    const upsert = makeEvent({ id: 'o-1', pk: 'c-1', lsn: 4, data: { _rid: 'r', _etag: 'e', _ts: 1, total: 5 } });
    await target.applyBatch([upsert]);
    const name = latestBlobName('copy', upsert);
    expect(name).toBe('copy/test-source/c-1/o-1.json');
    expect(await download(container, name)).toEqual({
      id: 'o-1',
      pk: 'c-1',
      total: 5,
      _sync: {
        source: 'test-source',
        partitionKey: 'c-1',
        lsn: 4,
        ts: upsert.version.ts,
        deleted: false,
        eventId: upsert.eventId,
      },
    });
    const properties = await container.getBlobClient(name).getProperties();
    expect(properties.contentType).toBe('application/json; charset=utf-8');
    expect(properties.metadata).toEqual({ lsn: '4', ts: String(upsert.version.ts), deleted: 'false' });

    const removal = makeEvent({ id: 'o-1', pk: 'c-1', lsn: 5, op: 'delete' });
    await target.applyBatch([removal]);
    expect(await download(container, name)).toEqual({
      id: 'o-1',
      _sync: {
        source: 'test-source',
        partitionKey: 'c-1',
        lsn: 5,
        ts: removal.version.ts,
        deleted: true,
        eventId: removal.eventId,
      },
    });
    expect((await container.getBlobClient(name).getProperties()).metadata).toMatchObject({ deleted: 'true' });
  });

  it('keeps a document whose name is too long for Azure under a hashed name, with its key in the body', async () => {
    const { target, container } = await stack.openTarget();
    const event = makeEvent({ id: 'ü'.repeat(300), pk: ['tenant', 7], lsn: 1, data: { v: 1 } });
    expect(await target.applyBatch([event])).toMatchObject([{ status: 'applied' }]);
    const [blob] = await listBlobs(container);
    expect(blob?.name).toMatch(/^test-source\/~H\/[0-9a-f]{64}\.json$/);
    expect(JSON.parse(blob?.text ?? '')).toMatchObject({
      id: event.documentId,
      _sync: { partitionKey: ['tenant', 7] },
    });
  });

  it('overwrites a blob it did not write, and never one holding a newer version', async () => {
    const { target, container } = await stack.openTarget();
    const event = makeEvent({ id: 'foreign', lsn: 2, data: { v: 2 } });
    const name = latestBlobName('', event);
    await container.getBlockBlobClient(name).upload('not json', 8);
    expect(await target.applyBatch([event])).toMatchObject([{ status: 'applied' }]);
    expect(await download(container, name)).toMatchObject({ v: 2 });
  });

  it('writes first from what it last saw: one request per new document or update, a read only after a wrong guess', async () => {
    const requests: string[] = [];
    const pipeline = newPipeline(new StorageSharedKeyCredential(AZURITE_ACCOUNT_NAME, AZURITE_ACCOUNT_KEY));
    pipeline.factories.unshift({
      create: (next) => ({
        sendRequest: (request) => {
          requests.push(request.method);
          return next.sendRequest(request);
        },
      }),
    });
    const containerName = `guess-${randomUUID().slice(0, 8)}`;
    const container = new ContainerClient(`${stack.azurite.blobEndpoint}/${containerName}`, pipeline);
    const target = new BlobTarget({
      name: 'guessing',
      container,
      mode: 'latest',
      prefix: '',
      createIfNotExists: true,
      concurrency: 4,
    });
    await target.open();
    const version = (lsn: number, op: 'upsert' | 'delete' = 'upsert') =>
      makeEvent({ id: 'g', lsn, op, ...(op === 'upsert' ? { data: { v: lsn } } : {}) });
    const name = latestBlobName('', version(1));
    const apply = async (event: ReturnType<typeof version>) => {
      requests.length = 0;
      const [outcome] = await target.applyBatch([event]);
      return { status: outcome?.status, requests: [...requests] };
    };

    expect(await apply(version(1))).toEqual({ status: 'applied', requests: ['PUT'] });
    expect(await apply(version(2))).toEqual({ status: 'applied', requests: ['PUT'] });
    // No newer than what this process wrote: stale without asking the store.
    expect(await apply(version(1))).toEqual({ status: 'stale', requests: [] });

    // Someone else wrote a newer version: the guessed replace fails (412), the read finds the newer one.
    const other = stack.service.getContainerClient(containerName).getBlockBlobClient(name);
    await other.upload('{"v":9}', 7, { metadata: { lsn: '9', ts: '1', deleted: 'false' } });
    expect(await apply(version(3))).toEqual({ status: 'stale', requests: ['PUT', 'HEAD'] });
    expect(await download(container, name)).toEqual({ v: 9 });

    // Someone deleted the blob: the guessed replace fails, the read finds nothing, the create succeeds.
    await other.delete();
    expect(await apply(version(10, 'delete'))).toEqual({ status: 'applied', requests: ['PUT', 'HEAD', 'PUT'] });
    expect(await download(container, name)).toMatchObject({ _sync: { lsn: 10, deleted: true } });
    expect(await apply(version(11))).toEqual({ status: 'applied', requests: ['PUT'] });
  });

  it('reads through what it remembers for events sent on purpose, so a blob deleted behind its back is repaired', async () => {
    const { target, container } = await stack.openTarget({ prefix: 'repair' });
    const event = makeEvent({ id: 'gone', pk: 'c-9', lsn: 3, data: { total: 9 } });
    expect(await target.applyBatch([event])).toMatchObject([{ status: 'applied' }]);
    const name = latestBlobName('repair', event);
    await container.getBlobClient(name).delete();
    expect(await target.applyBatch([event])).toMatchObject([{ status: 'stale' }]); // a live duplicate: from memory
    expect(await container.getBlobClient(name).exists()).toBe(false);
    const readThrough = new Set([event.eventId]);
    expect(await target.applyBatch([event], undefined, { readThrough })).toMatchObject([{ status: 'applied' }]);
    expect(await download(container, name)).toMatchObject({ id: 'gone', total: 9 });
    expect(await target.applyBatch([event], undefined, { readThrough })).toMatchObject([{ status: 'stale' }]);
  });

  it('rejects an event whose projection throws and applies the rest', async () => {
    const { target } = await stack.openTarget(
      {},
      {
        project: (document) => {
          if (document['bad']) throw new Error('no');
          return document;
        },
      },
    );
    const outcomes = await target.applyBatch([
      makeEvent({ id: 'p1', lsn: 1, data: { bad: true } }),
      makeEvent({ id: 'p2', lsn: 1 }),
    ]);
    expect(outcomes).toMatchObject([
      { status: 'rejected', error: { code: 'PROJECTION_FAILED', retryable: false } },
      { status: 'applied' },
    ]);
  });
});

describe('blob target failures', () => {
  it('waits out a fixed lease (transient) but dead-letters behind an infinite one (permanent)', async () => {
    const { target, container } = await stack.openTarget();
    const fixed = makeEvent({ id: 'leased-fixed', lsn: 1 });
    const infinite = makeEvent({ id: 'leased-forever', lsn: 1 });
    for (const [event, seconds] of [
      [fixed, 15],
      [infinite, -1],
    ] as const) {
      const blob = container.getBlockBlobClient(latestBlobName('', event));
      await blob.upload('', 0);
      await blob.getBlobLeaseClient().acquireLease(seconds);
    }
    await expect(target.applyBatch([fixed])).rejects.toMatchObject({ code: 'BLOB_LEASED', retryable: true });
    expect(await target.applyBatch([infinite])).toMatchObject([
      { status: 'rejected', error: { code: 'BLOB_LEASED', retryable: false } },
    ]);
  });

  it('rejects each event on 403 (no write permission) without failing the batch', async () => {
    const { container } = await stack.openTarget();
    // An account SAS that may read and list but not write: open() can check the container, every write is refused.
    const sas = stack.service.generateAccountSasUrl(
      new Date(Date.now() + 3_600_000),
      AccountSASPermissions.parse('rl'),
      AccountSASResourceTypes.parse('sco').toString(),
    );
    const [endpoint, token] = sas.split('?') as [string, string];
    const config = blobTargetSchema.parse({
      name: 'readonly',
      type: 'blob',
      subscription: 's',
      container: container.containerName,
      createIfNotExists: false,
    });
    const connectionString = `BlobEndpoint=${endpoint};SharedAccessSignature=${token}`;
    const target = createBlobTarget(config, {
      connection: { kind: 'connectionString', setting: 'Sas', connectionString },
    });
    await target.open();
    expect(await target.applyBatch([makeEvent({ id: 'r1', lsn: 1 })])).toMatchObject([
      { status: 'rejected', error: { code: 'BLOB_403', retryable: false, message: expect.stringMatching(/403/) } },
    ]);
  });

  it('refuses to open a missing container when it may not create it', async () => {
    const config = blobTargetSchema.parse({
      name: 'missing',
      type: 'blob',
      subscription: 's',
      container: 'never-created',
      createIfNotExists: false,
    });
    const target = createBlobTarget(config, { connection: stack.connection });
    await expect(target.open()).rejects.toMatchObject({ code: 'BLOB_TARGET_MISSING', retryable: false });
    await expect(target.applyBatch([makeEvent({ lsn: 1 })])).rejects.toMatchObject({ code: 'BLOB_TARGET_NOT_OPEN' });
    await target.close();
  });

  it('fails transiently when its container is deleted, and recreates it for the next batch', async () => {
    const { target, container } = await stack.openTarget();
    await container.delete();
    await expect(target.applyBatch([makeEvent({ id: 'gone', lsn: 1 })])).rejects.toMatchObject({
      code: 'BLOB_CONTAINER_MISSING',
      retryable: true,
    });
    expect(await target.applyBatch([makeEvent({ id: 'gone', lsn: 1 })])).toMatchObject([{ status: 'applied' }]);
  });

  it('fails transiently in archive mode while the store is down, and archives once it is back', async () => {
    const blobPort = new URL(stack.azurite.blobEndpoint).port;
    const proxy = await startTcpProxy(Number(blobPort));
    try {
      const connectionString = stack.azurite.connectionString.replace(`:${blobPort}/`, `:${proxy.port}/`);
      const config = blobTargetSchema.parse({
        name: 'archive',
        type: 'blob',
        subscription: 's',
        container: 'archive-down',
        mode: 'archive',
        requestTimeoutMs: 2_000,
      });
      const target = createBlobTarget(config, {
        connection: { kind: 'connectionString', setting: 'P', connectionString },
      });
      await target.open();
      const events = [1, 2, 3].map((lsn) => makeEvent({ id: `down-${lsn}`, lsn }));
      proxy.break();
      await expect(target.applyBatch(events)).rejects.toMatchObject({
        code: 'BLOB_TARGET_UNAVAILABLE',
        retryable: true,
      });
      proxy.repair();
      const outcomes = await target.applyBatch(events);
      expect(outcomes.every((outcome) => outcome.status === 'applied' || outcome.status === 'stale')).toBe(true);
      expect(await listBlobs(stack.service.getContainerClient('archive-down'))).toHaveLength(3);
    } finally {
      await proxy.close();
    }
  });
});
