/**
 * The reference webhook receiver (used by the contract tests and by `npm run demo`): a real HTTP server on a random loopback port that does what the docs ask of every
 * receiver. It verifies the signature and timestamp over the raw body, validates the events, refuses a request as a
 * whole (nothing applied) or applies every event with keep-highest-version and tombstones, and answers per-event
 * `applied` / `stale` results. At `versionsUrl` it answers the query protocol of `cosmos-sync verify` (see
 * shared/targets/webhook/query.ts): the versions it holds for given refs, and a paged listing of one source. Test
 * switches: down (every connection is reset), refuse a document (422 by default), scripted responses (for queries
 * too), latency; and what it saw: delivery requests, idempotency keys, queries, peak concurrency.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { z } from 'zod';
import {
  changeEventSchema,
  documentKey,
  partitionKeyValueSchema,
  type ChangeEvent,
  type EventVersion,
  type PartitionKeyValue,
} from '../shared/events/envelope.js';
import { isNewer } from '../shared/targets/coalesce.js';
import {
  DEFAULT_TOLERANCE_SECONDS,
  IDEMPOTENCY_HEADER,
  SIGNATURE_HEADER,
  TIMESTAMP_HEADER,
  verifyWebhookSignature,
} from '../shared/targets/webhook/signature.js';
import { messageOf } from '../shared/errors.js';

/** What the receiver holds for one document: the newest version seen, and the document or a tombstone. */
export interface StoredState {
  version: EventVersion;
  deleted: boolean;
  document: Record<string, unknown> | null;
}

export interface ReceivedRequest {
  status: number;
  idempotencyKey: string | undefined;
  eventIds: string[];
  timestamp: string | undefined;
  /** True when this was a replay of an accepted request, answered from memory and not applied again. */
  replay?: boolean;
}

export interface ScriptedResponse {
  status: number;
  headers?: Record<string, string>;
  body?: string;
  /** Wait this long before answering (a hung receiver, for timeouts). */
  delayMs?: number;
}

export interface WebhookReceiver {
  url: string;
  /** The query endpoint: a webhook target's `versionsUrl`. */
  versionsUrl: string;
  /** Every query answered (or refused), in order. */
  readonly queries: { query: string; status: number }[];
  /** Keyed like `documentKey`. */
  readonly state: Map<string, StoredState>;
  read(event: Pick<ChangeEvent, 'source' | 'documentId' | 'partitionKey'>): StoredState | undefined;
  readonly requests: ReceivedRequest[];
  /** Every valid event of every accepted request, in the order they arrived: what per-key order checks read. */
  readonly arrivals: { key: string; lsn: number }[];
  /** Most requests ever handled at the same time. */
  readonly peakConcurrency: number;
  /** Requests refused as replays: a signature already accepted, inside the timestamp window. */
  readonly replays: number;
  /** Latency added to every processed request. */
  delayMs: number;
  /** While down, every connection (open or new) is reset. */
  setDown(down: boolean): void;
  /** Refuse every request holding this document, as a whole. */
  refuseDocument(documentId: string, status?: number): void;
  /** Stop refusing it: the receiver's "fix". */
  acceptDocument(documentId: string): void;
  /** Responses sent instead of processing, one per incoming request, in order. */
  script(...responses: ScriptedResponse[]): void;
  close(): Promise<void>;
}

export interface ReceiverOptions {
  secret: string;
  now?: () => number;
  toleranceSeconds?: number;
}

const requestBodySchema = z.object({ events: z.array(changeEventSchema) });

const querySchema = z.discriminatedUnion('query', [
  z.object({
    query: z.literal('versions'),
    refs: z.array(z.object({ source: z.string(), documentId: z.string(), partitionKey: partitionKeyValueSchema })),
  }),
  z.object({
    query: z.literal('list'),
    source: z.string(),
    limit: z.number().int().min(1).max(10_000),
    cursor: z.string().nullable(),
  }),
]);

const HOOK_PATH = '/hooks/cosmos-sync';
const VERSIONS_PATH = `${HOOK_PATH}/versions`;

/**
 * Answers one query from `state`. The listing walks the source's keys in sorted order; the cursor is the last key of
 * the previous page, so a page costs a sort here (a receiver with a database would use keyset pagination instead).
 */
function answerQuery(state: Map<string, StoredState>, query: z.infer<typeof querySchema>): unknown {
  const heldOf = (stored: StoredState) => ({ version: stored.version, deleted: stored.deleted });
  if (query.query === 'versions') {
    const versions = query.refs.map(({ source, documentId, partitionKey }) => {
      const stored = state.get(JSON.stringify([source, partitionKey, documentId]));
      return stored ? heldOf(stored) : null;
    });
    return { versions };
  }
  const keys = [...state.keys()]
    .filter(
      (key) => (JSON.parse(key) as unknown[])[0] === query.source && (query.cursor === null || key > query.cursor),
    )
    .sort();
  const page = keys.slice(0, query.limit);
  const documents = page.map((key) => {
    const [source, partitionKey, documentId] = JSON.parse(key) as [string, PartitionKeyValue, string];
    return { source, documentId, partitionKey, ...heldOf(state.get(key) as StoredState) };
  });
  return { documents, cursor: keys.length > page.length ? (page[page.length - 1] as string) : null };
}

export async function startWebhookReceiver(options: ReceiverOptions): Promise<WebhookReceiver> {
  const now = options.now ?? Date.now;
  const state = new Map<string, StoredState>();
  const requests: ReceivedRequest[] = [];
  const queries: { query: string; status: number }[] = [];
  const arrivals: { key: string; lsn: number }[] = [];
  const refused = new Map<string, number>();
  const scripted: ScriptedResponse[] = [];
  const sockets = new Set<Socket>();
  const waits = new Set<() => void>();
  let down = false;
  let active = 0;
  let peak = 0;
  let replays = 0;
  const tolerance = options.toleranceSeconds ?? DEFAULT_TOLERANCE_SECONDS;
  /**
   * Signatures of accepted deliveries, with their event ids and when their timestamp leaves the window. The timestamp
   * check already refuses old requests; inside the window a captured request is refused as a replay by its signature
   * (an HMAC over timestamp and body, so a fresh timestamp cannot be forged): nothing in it is applied again. The
   * answer is a 200 calling every event `stale` (held at that version already), not an error: the sender retries a
   * timed-out request with the same body, and within the same second that retry carries the same signature; a 4xx
   * would dead-letter events the receiver holds. Only accepted requests are remembered, so a retry after a refusal or
   * a 5xx is processed.
   */
  const accepted = new Map<string, { expiresAtMs: number; ids: string[] }>();
  const forgetExpired = (nowMs: number) => {
    for (const [signature, entry] of accepted) if (entry.expiresAtMs < nowMs) accepted.delete(signature);
  };

  /** A wait that `close()` can end early, so no handler outlives the server. */
  const pause = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        waits.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      waits.add(done);
    });

  const applyEvent = (event: ChangeEvent): 'applied' | 'stale' => {
    const key = documentKey(event);
    if (!isNewer(event.version, state.get(key)?.version)) return 'stale';
    const deleted = event.operation === 'delete';
    state.set(key, { version: event.version, deleted, document: deleted ? null : event.payload });
    return 'applied';
  };

  /** Why a request is not authentic, or undefined when its signature and timestamp check out. */
  const unsigned = (raw: Buffer, request: IncomingMessage): string | undefined => {
    const header = (name: string) => request.headers[name.toLowerCase()] as string | undefined;
    const verdict = verifyWebhookSignature({
      secret: options.secret,
      timestamp: header(TIMESTAMP_HEADER),
      signature: header(SIGNATURE_HEADER),
      body: raw,
      nowMs: now(),
      ...(options.toleranceSeconds === undefined ? {} : { toleranceSeconds: options.toleranceSeconds }),
    });
    return verdict.ok ? undefined : `signature ${verdict.reason}`;
  };

  /** A query of the verify protocol: signed like a delivery, answered from the state, never changing it. */
  const processQuery = (raw: Buffer, request: IncomingMessage): { status: number; body: unknown; query: string } => {
    const problem = unsigned(raw, request);
    if (problem) return { status: 401, body: { error: problem }, query: 'unsigned' };
    let query: z.infer<typeof querySchema>;
    try {
      query = querySchema.parse(JSON.parse(raw.toString('utf8')));
    } catch (error) {
      return { status: 400, body: { error: `invalid query: ${messageOf(error)}` }, query: 'invalid' };
    }
    return { status: 200, body: answerQuery(state, query), query: query.query };
  };

  const process = (
    raw: Buffer,
    request: IncomingMessage,
  ): { status: number; body: unknown; ids: string[]; replay?: boolean } => {
    const problem = unsigned(raw, request);
    if (problem) return { status: 401, body: { error: problem }, ids: [] };
    const signature = request.headers[SIGNATURE_HEADER.toLowerCase()] as string;
    forgetExpired(now());
    const seen = accepted.get(signature);
    if (seen) {
      replays += 1;
      const results = seen.ids.map((eventId) => ({ eventId, status: 'stale' }));
      return { status: 200, body: { results }, ids: seen.ids, replay: true };
    }
    const answer = apply(raw);
    if (answer.status >= 200 && answer.status < 300) {
      const timestamp = Number(request.headers[TIMESTAMP_HEADER.toLowerCase()]);
      accepted.set(signature, { ids: answer.ids, expiresAtMs: (timestamp + tolerance) * 1_000 });
    }
    return answer;
  };

  /** Parses, validates and applies an authentic delivery. */
  const apply = (raw: Buffer): { status: number; body: unknown; ids: string[] } => {
    let parsed: z.infer<typeof requestBodySchema>;
    try {
      parsed = requestBodySchema.parse(JSON.parse(raw.toString('utf8')));
    } catch (error) {
      return { status: 400, body: { error: `invalid body: ${messageOf(error)}` }, ids: [] };
    }
    const ids = parsed.events.map((event) => event.eventId);
    // Validate the whole request before applying anything: a refusal means nothing in it was applied.
    const bad = parsed.events.find((event) => refused.has(event.documentId));
    if (bad)
      return { status: refused.get(bad.documentId) as number, body: { error: `${bad.documentId} refused` }, ids };
    for (const event of parsed.events) arrivals.push({ key: documentKey(event), lsn: event.version.lsn });
    const results = parsed.events.map((event) => ({ eventId: event.eventId, status: applyEvent(event) }));
    return { status: 200, body: { results }, ids };
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    active += 1;
    peak = Math.max(peak, active);
    try {
      const chunks: Buffer[] = [];
      for await (const chunk of request) chunks.push(chunk as Buffer);
      const raw = Buffer.concat(chunks);
      const record = (status: number, ids: string[], replay?: boolean) =>
        requests.push({
          status,
          idempotencyKey: request.headers[IDEMPOTENCY_HEADER.toLowerCase()] as string | undefined,
          eventIds: ids,
          timestamp: request.headers[TIMESTAMP_HEADER.toLowerCase()] as string | undefined,
          ...(replay ? { replay } : {}),
        });
      const next = scripted.shift();
      if (next) {
        if (next.delayMs) await pause(next.delayMs);
        record(next.status, []);
        return send(response, next.status, next.body ?? '', next.headers);
      }
      if (receiver.delayMs > 0) await pause(receiver.delayMs);
      if (request.url === VERSIONS_PATH) {
        const { status, body, query } = processQuery(raw, request);
        queries.push({ query, status });
        return send(response, status, JSON.stringify(body), { 'Content-Type': 'application/json' });
      }
      const { status, body, ids, replay } = process(raw, request);
      record(status, ids, replay);
      send(response, status, JSON.stringify(body), { 'Content-Type': 'application/json' });
    } finally {
      active -= 1;
    }
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => send(response, 500, `receiver failed: ${String(error)}`));
  });
  server.on('connection', (socket) => {
    if (down) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  const receiver: WebhookReceiver = {
    url: `http://127.0.0.1:${port}${HOOK_PATH}`,
    versionsUrl: `http://127.0.0.1:${port}${VERSIONS_PATH}`,
    queries,
    state,
    read: (event) => state.get(documentKey(event)),
    requests,
    arrivals,
    get peakConcurrency() {
      return peak;
    },
    get replays() {
      return replays;
    },
    delayMs: 0,
    setDown: (value) => {
      down = value;
      if (value) for (const socket of sockets) socket.destroy();
    },
    refuseDocument: (documentId, status = 422) => void refused.set(documentId, status),
    acceptDocument: (documentId) => void refused.delete(documentId),
    script: (...responses) => void scripted.push(...responses),
    close: () =>
      new Promise<void>((resolve, reject) => {
        for (const done of [...waits]) done();
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
  return receiver;
}

function send(response: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  // The client may have given up (timeout) and closed the connection while this request waited.
  if (response.destroyed || response.writableEnded) return;
  response.writeHead(status, headers).end(body);
}
