/**
 * How a batch becomes requests. Events are sorted by event id before they are cut into requests (by count and by
 * body size), so the same set of events always yields the same requests, bodies and `Idempotency-Key`s, whatever
 * order a redelivery brings them in. Order inside a request carries no meaning: a batch holds at most one event per
 * document (it is coalesced), and the receiver orders versions of one document by `version`, not by arrival.
 */
import { createHash } from 'node:crypto';
import type { ChangeEvent } from '../../events/envelope.js';

export interface WebhookRequest {
  events: ChangeEvent[];
  /** Each event's JSON, kept so a request can be split without serializing again. */
  parts: string[];
  /** `{"events":[...]}`. */
  body: string;
  /** Hex SHA-256 of the request's event ids, sorted, joined by "\n". */
  idempotencyKey: string;
}

const OPEN = '{"events":[';
const CLOSE = ']}';

function request(events: ChangeEvent[], parts: string[]): WebhookRequest {
  const ids = events.map((event) => event.eventId).join('\n');
  return {
    events,
    parts,
    body: `${OPEN}${parts.join(',')}${CLOSE}`,
    idempotencyKey: createHash('sha256').update(ids, 'utf8').digest('hex'),
  };
}

export function planRequests(
  batch: readonly ChangeEvent[],
  limits: { maxEvents: number; maxBytes: number },
): WebhookRequest[] {
  const sorted = [...batch].sort((a, b) => (a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0));
  const requests: WebhookRequest[] = [];
  let events: ChangeEvent[] = [];
  let parts: string[] = [];
  let bytes = OPEN.length + CLOSE.length;
  for (const event of sorted) {
    const part = JSON.stringify(event);
    const size = Buffer.byteLength(part, 'utf8') + (parts.length > 0 ? 1 : 0);
    if (parts.length > 0 && (parts.length >= limits.maxEvents || bytes + size > limits.maxBytes)) {
      requests.push(request(events, parts));
      events = [];
      parts = [];
      bytes = OPEN.length + CLOSE.length;
    }
    events.push(event);
    parts.push(part);
    bytes += Buffer.byteLength(part, 'utf8') + (parts.length > 1 ? 1 : 0);
  }
  if (parts.length > 0) requests.push(request(events, parts));
  return requests;
}

/** Two halves of a request with more than one event, each with its own body and key. */
export function splitRequest(whole: WebhookRequest): [WebhookRequest, WebhookRequest] {
  const middle = Math.ceil(whole.events.length / 2);
  return [
    request(whole.events.slice(0, middle), whole.parts.slice(0, middle)),
    request(whole.events.slice(middle), whole.parts.slice(middle)),
  ];
}
