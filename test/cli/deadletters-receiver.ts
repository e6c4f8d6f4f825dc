/**
 * A webhook receiver for the `deadletters` end-to-end test: keeps the highest version per document, and can be told
 * to be unavailable for some documents (503: the batch fails and Service Bus dead-letters it) or to refuse them (422:
 * the webhook target sets each one aside as a poison record). Clearing those sets is "fixing the cause".
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { changeEventSchema } from '../../shared/events/envelope.js';

export interface TestReceiver {
  url: string;
  /** Documents whose requests get 503 (retryable). */
  unavailable: Set<string>;
  /** Documents whose requests get 422 (refused for good). */
  refused: Set<string>;
  /** The LSNs of every accepted event, per document id, in arrival order. */
  accepted: Map<string, number[]>;
  close(): Promise<void>;
}

const bodySchema = z.object({ events: z.array(changeEventSchema) });

export async function startTestReceiver(): Promise<TestReceiver> {
  const unavailable = new Set<string>();
  const refused = new Set<string>();
  const accepted = new Map<string, number[]>();
  const highest = new Map<string, number>();

  const answer = (response: ServerResponse, status: number, body: unknown) =>
    response.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of request) chunks.push(chunk as Buffer);
    const { events } = bodySchema.parse(JSON.parse(Buffer.concat(chunks).toString('utf8')));
    if (events.some((event) => unavailable.has(event.documentId))) return answer(response, 503, { error: 'down' });
    const bad = events.find((event) => refused.has(event.documentId));
    if (bad) return answer(response, 422, { error: `${bad.documentId} refused` });
    const results = events.map((event) => {
      accepted.set(event.documentId, [...(accepted.get(event.documentId) ?? []), event.version.lsn]);
      const newer = event.version.lsn > (highest.get(event.documentId) ?? -1);
      if (newer) highest.set(event.documentId, event.version.lsn);
      return { eventId: event.eventId, status: newer ? 'applied' : 'stale' };
    });
    return answer(response, 200, { results });
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => answer(response, 400, { error: String(error) }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    unavailable,
    refused,
    accepted,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
