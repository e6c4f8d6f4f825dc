/**
 * The webhook target against hostile or broken receivers on real loopback sockets: a redirect to another origin is
 * not followed (the other server sees nothing), endless or huge response bodies are read only up to a bound, a hung
 * receiver is cut off by the timeout; and the reference receiver refuses replays of a captured request.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startWebhookReceiver, type WebhookReceiver } from '../../dev/webhook-receiver.js';
import { createWebhookTarget, webhookTargetSchema } from '../../shared/targets/webhook/index.js';
import { SIGNATURE_HEADER, signWebhookBody, TIMESTAMP_HEADER } from '../../shared/targets/webhook/signature.js';
import { makeEvent } from '../support/events.js';

const secret = randomBytes(32).toString('hex');
const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
});

/** A loopback server answering with `handler`; every request it saw is kept. */
async function serve(handler: (request: IncomingMessage, response: ServerResponse) => void) {
  const seen: string[] = [];
  const server: Server = createServer((request, response) => {
    seen.push(`${request.method} ${request.url}`);
    handler(request, response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  closers.push(
    () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  );
  return { url: `http://127.0.0.1:${port}/hook`, origin: `http://127.0.0.1:${port}`, seen };
}

function target(url: string, fields: Record<string, unknown> = {}) {
  const config = webhookTargetSchema.parse({ name: 'hook', type: 'webhook', subscription: 's', url, ...fields });
  return createWebhookTarget(config, {
    env: { COSMOS_SYNC_WEBHOOK_SECRET: secret },
    sleep: async () => undefined,
    random: () => 0.5,
  });
}

const events = () => [makeEvent({ id: 'a', lsn: 1 }), makeEvent({ id: 'b', lsn: 2 })];

describe('webhook target against hostile receivers', () => {
  it.each([301, 302, 303, 307, 308])('does not follow a %i to another origin', async (status) => {
    const elsewhere = await serve((_request, response) => response.writeHead(200).end('{}'));
    const redirecting = await serve((_request, response) =>
      response.writeHead(status, { location: `${elsewhere.url}?stolen=1` }).end(),
    );
    const hook = target(redirecting.url);
    await hook.open();
    const outcomes = await hook.applyBatch(events());
    expect(outcomes.map((outcome) => outcome.status)).toEqual(['rejected', 'rejected']);
    const [first] = outcomes;
    expect(first?.status === 'rejected' && first.error.code).toBe(`WEBHOOK_${status}`);
    expect(first?.status === 'rejected' && first.error.message).toContain('redirects are not followed');
    expect(redirecting.seen).toHaveLength(1);
    expect(elsewhere.seen).toEqual([]);
    await hook.close();
  });

  it('reads an endless 2xx body only up to its bound, and keeps a long error body to a short excerpt', async () => {
    const chunk = Buffer.alloc(64 * 1024, 'x');
    let writtenBytes = 0;
    const endless = await serve((_request, response) => {
      response.writeHead(200, { 'content-type': 'application/json' });
      // Writes until the client cancels the body (the socket closes): a receiver that never ends its answer.
      const pump = () => {
        while (!response.destroyed && response.write(chunk)) writtenBytes += chunk.length;
        if (!response.destroyed) response.once('drain', pump);
      };
      response.on('close', () => response.removeAllListeners('drain'));
      pump();
    });
    const hook = target(endless.url, { timeoutMs: 60_000 });
    await hook.open();
    expect((await hook.applyBatch(events())).map((outcome) => outcome.status)).toEqual(['applied', 'applied']);
    expect(writtenBytes).toBeLessThan(64 * 1024 * 1024);
    await hook.close();

    const verbose = await serve((_request, response) => response.writeHead(403).end('denied '.repeat(100_000)));
    const refused = target(verbose.url);
    await refused.open();
    const [outcome] = await refused.applyBatch(events());
    expect(outcome?.status).toBe('rejected');
    expect(outcome?.status === 'rejected' && outcome.error.message.length).toBeLessThan(600);
    await refused.close();
  });

  it('cuts off a receiver that never answers after timeoutMs', async () => {
    const hung = await serve(() => undefined);
    const hook = target(hung.url, { timeoutMs: 200, retryAttempts: 1 });
    await hook.open();
    await expect(hook.applyBatch(events())).rejects.toMatchObject({ code: 'WEBHOOK_TIMEOUT' });
    await hook.close();
  });
});

describe('reference receiver: replays', () => {
  let receiver: WebhookReceiver;
  let nowMs = Date.now();

  /** POSTs `body` signed at `timestamp` (Unix seconds), as a captured request would be re-sent. */
  const post = (body: string, timestamp: number, signature = signWebhookBody(secret, String(timestamp), body)) =>
    fetch(receiver.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [TIMESTAMP_HEADER]: String(timestamp),
        [SIGNATURE_HEADER]: signature,
      },
      body,
    });

  it('applies a request once; a replay inside the window changes nothing; outside it is refused', async () => {
    receiver = await startWebhookReceiver({ secret, now: () => nowMs, toleranceSeconds: 300 });
    closers.push(() => receiver.close());
    const upsert = makeEvent({ id: 'doc', lsn: 5, data: { total: 1 } });
    const body = JSON.stringify({ events: [upsert] });
    const sentAt = Math.floor(nowMs / 1_000);

    const first = await post(body, sentAt);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ results: [{ eventId: upsert.eventId, status: 'applied' }] });

    // Meanwhile the document was deleted; replaying the captured upsert must not be applied (or counted) again.
    const deleted = makeEvent({ id: 'doc', lsn: 6, op: 'delete' });
    expect((await post(JSON.stringify({ events: [deleted] }), sentAt)).status).toBe(200);
    const replay = await post(body, sentAt);
    expect(replay.status).toBe(200);
    expect(await replay.json()).toEqual({ results: [{ eventId: upsert.eventId, status: 'stale' }] });
    expect(receiver.replays).toBe(1);
    expect(receiver.arrivals).toHaveLength(2);
    expect(receiver.requests.at(-1)).toMatchObject({ replay: true });
    expect(receiver.read(upsert)?.deleted).toBe(true);

    // A fresh timestamp needs the secret; the old one ages out of the window.
    const forged = await post(body, sentAt + 60, signWebhookBody(secret, String(sentAt), body));
    expect(forged.status).toBe(401);
    nowMs += 301_000;
    const late = await post(body, sentAt);
    expect(late.status).toBe(401);
    expect(await late.json()).toEqual({ error: 'signature stale' });
    expect(receiver.arrivals).toHaveLength(2);
  });

  it('processes a retry after a refusal: only accepted requests are remembered', async () => {
    receiver = await startWebhookReceiver({ secret, now: () => nowMs });
    closers.push(() => receiver.close());
    const event = makeEvent({ id: 'retry-me', lsn: 1 });
    const body = JSON.stringify({ events: [event] });
    const at = Math.floor(nowMs / 1_000);
    receiver.refuseDocument('retry-me', 422);
    expect((await post(body, at)).status).toBe(422);
    receiver.acceptDocument('retry-me');
    expect(await (await post(body, at)).json()).toEqual({ results: [{ eventId: event.eventId, status: 'applied' }] });
    expect(receiver.replays).toBe(0);
  });
});
