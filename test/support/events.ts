/** Builders for change events in tests: valid envelopes with only the fields a test cares about spelled out. */
import { eventIdFor } from '../../shared/events/ids.js';
import type { ChangeEvent, PartitionKeyValue } from '../../shared/events/envelope.js';

export interface EventSpec {
  id?: string;
  pk?: PartitionKeyValue;
  lsn: number;
  ts?: number;
  op?: 'upsert' | 'delete';
  data?: Record<string, unknown>;
  source?: string;
}

export function makeEvent(spec: EventSpec): ChangeEvent {
  const documentId = spec.id ?? 'doc-1';
  const partitionKey = spec.pk ?? 'pk-1';
  const operation = spec.op ?? 'upsert';
  const sourceName = spec.source ?? 'test-source';
  const eventId = eventIdFor({ sourceName, documentId, partitionKey, lsn: spec.lsn, operation });
  const common = {
    schemaVersion: 1 as const,
    eventId,
    correlationId: eventId,
    source: { name: sourceName, account: 'localhost', database: 'db', container: 'items' },
    documentId,
    partitionKey,
    version: { lsn: spec.lsn, ts: spec.ts ?? 1_700_000_000 + spec.lsn },
    publishedAt: new Date(0).toISOString(),
  };
  return operation === 'delete'
    ? { ...common, operation, deleteKind: 'hard', payload: null }
    : { ...common, operation, payload: { id: documentId, pk: partitionKey, _lsn: spec.lsn, ...spec.data } };
}

/** A deterministic pseudo-random generator so shuffles are reproducible from a printed seed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 0x1_0000_0000;
  };
}

export function shuffle<T>(items: readonly T[], random: () => number): T[] {
  const copy = [...items];
  for (let index = copy.length - 1; index > 0; index -= 1) {
    const other = Math.floor(random() * (index + 1));
    [copy[index], copy[other]] = [copy[other] as T, copy[index] as T];
  }
  return copy;
}

/**
 * The received body as JSON: the SDK hands JSON data sections over already parsed (unless `skipParsingBodyAsJson`),
 * other clients may see bytes.
 */
export function bodyAsJson(body: unknown): unknown {
  return body instanceof Uint8Array ? (JSON.parse(Buffer.from(body).toString('utf8')) as unknown) : body;
}
