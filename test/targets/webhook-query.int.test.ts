/**
 * The webhook query protocol (`versionsUrl`, for `cosmos-sync verify`) against the reference receiver: queries are
 * signed and retried like deliveries, pages are cut by `queryPageSize`, and an answer that breaks the protocol is a
 * permanent error rather than a wrong verdict.
 */
import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ShutdownError } from '../../shared/errors.js';
import { createWebhookTarget, webhookTargetSchema, type WebhookTarget } from '../../shared/targets/webhook/index.js';
import { refOf } from '../../shared/targets/read-back.js';
import type { HeldDocument } from '../../shared/targets/target.js';
import { makeEvent } from '../support/events.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../dev/webhook-receiver.js';

const secret = randomBytes(32).toString('hex');
let receiver: WebhookReceiver;
/** Waits the target asked for between tries; the injected sleep records them and returns at once. */
let waits: number[];

beforeEach(async () => {
  receiver = await startWebhookReceiver({ secret });
  waits = [];
});
afterEach(async () => {
  await receiver.close();
});

async function openTarget(config: Record<string, unknown> = {}, targetSecret = secret): Promise<WebhookTarget> {
  const parsed = webhookTargetSchema.parse({
    name: 'hook',
    type: 'webhook',
    subscription: 's',
    url: receiver.url,
    versionsUrl: receiver.versionsUrl,
    queryPageSize: 3,
    retryInitialDelayMs: 10,
    ...config,
  });
  const target = createWebhookTarget(parsed, {
    env: { COSMOS_SYNC_WEBHOOK_SECRET: targetSecret },
    sleep: async (ms) => void waits.push(ms),
    random: () => 0.5,
  });
  await target.open();
  return target;
}

async function listAll(target: WebhookTarget, source: string): Promise<HeldDocument[][]> {
  const pages: HeldDocument[][] = [];
  for await (const page of target.listDocuments(source)) pages.push(page);
  return pages;
}

const events = Array.from({ length: 7 }, (_, index) =>
  makeEvent({
    id: `d${index}`,
    pk: index % 2 ? index : `p${index}`,
    lsn: index + 1,
    op: index === 4 ? 'delete' : 'upsert',
  }),
);

describe('webhook query protocol', () => {
  it('asks for versions in pages of queryPageSize and lists with the receiver’s cursor', async () => {
    const target = await openTarget();
    await target.applyBatch(events);
    const held = await target.readVersions([...events.map(refOf), { ...refOf(events[0]!), documentId: 'none' }]);
    expect(held).toEqual([
      ...events.map((event) => ({ version: event.version, deleted: event.operation === 'delete' })),
      undefined,
    ]);
    const pages = await listAll(target, 'test-source');
    expect(pages.map((page) => page.length)).toEqual([3, 3, 1]);
    expect(receiver.queries).toEqual([
      ...[1, 2, 3].map(() => ({ query: 'versions', status: 200 })),
      ...[1, 2, 3].map(() => ({ query: 'list', status: 200 })),
    ]);
  });

  it('retries a query on 503, honouring Retry-After, and refuses for good on a bad signature', async () => {
    const target = await openTarget();
    await target.applyBatch(events.slice(0, 1));
    receiver.script({ status: 503, headers: { 'Retry-After': '2' } });
    expect(await target.readVersions([refOf(events[0]!)])).toEqual([{ version: events[0]?.version, deleted: false }]);
    expect(waits).toEqual([2_000]);
    const wrongKey = await openTarget({}, randomBytes(32).toString('hex'));
    await expect(wrongKey.readVersions([refOf(events[0]!)])).rejects.toMatchObject({
      code: 'WEBHOOK_QUERY_401',
      retryable: false,
    });
    expect(receiver.queries.at(-1)).toEqual({ query: 'unsigned', status: 401 });
  });

  it('fails transiently when the receiver stays unreachable', async () => {
    const target = await openTarget({ retryAttempts: 2 });
    receiver.setDown(true);
    await expect(target.readVersions([refOf(events[0]!)])).rejects.toMatchObject({
      code: 'WEBHOOK_UNREACHABLE',
      retryable: true,
    });
  });

  it('treats answers that break the protocol as permanent errors', async () => {
    const target = await openTarget();
    const ref = refOf(events[0]!);
    const invalid = { code: 'WEBHOOK_QUERY_INVALID', retryable: false };
    receiver.script({ status: 200, body: '{"versions":[]}' });
    await expect(target.readVersions([ref])).rejects.toMatchObject(invalid);
    receiver.script({ status: 200, body: 'not json' });
    await expect(target.readVersions([ref])).rejects.toMatchObject(invalid);
    receiver.script(
      { status: 200, body: '{"documents":[],"cursor":"c1"}' },
      { status: 200, body: '{"documents":[],"cursor":"c1"}' },
    );
    await expect(listAll(target, 'test-source')).rejects.toMatchObject({
      ...invalid,
      message: expect.stringMatching(/repeats the cursor/),
    });
    const stranger = {
      source: 'elsewhere',
      documentId: 'x',
      partitionKey: 'p',
      version: { lsn: 1, ts: 1 },
      deleted: false,
    };
    receiver.script({ status: 200, body: JSON.stringify({ documents: [stranger], cursor: null }) });
    await expect(listAll(target, 'test-source')).rejects.toMatchObject(invalid);
    receiver.script({ status: 404, body: 'no such endpoint' });
    await expect(target.readVersions([ref])).rejects.toMatchObject({ code: 'WEBHOOK_QUERY_404', retryable: false });
  });

  it('stops at once when the signal is aborted', async () => {
    const target = await openTarget();
    const controller = new AbortController();
    receiver.script({ status: 200, body: '{"versions":[null]}', delayMs: 60_000 });
    const pending = target.readVersions([refOf(events[0]!)], controller.signal);
    controller.abort(new ShutdownError());
    await expect(pending).rejects.toBeInstanceOf(ShutdownError);
  });
});
