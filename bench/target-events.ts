/** Events for the target benchmarks, built before a measurement starts so that only applying is timed. */
import type { ChangeEvent } from '../shared/events/envelope.js';
import { eventIdFor } from '../shared/events/ids.js';
import type { Target } from '../shared/targets/target.js';

export const BATCH = 500;

/** `count` upserts of distinct documents (about 400 bytes each) from source `source`, all at version `lsn`. */
export function eventsOf(source: string, count: number, lsn: number): ChangeEvent[] {
  return Array.from({ length: count }, (_, index): ChangeEvent => {
    const documentId = `doc-${index}`;
    const partitionKey = `tenant-${index % 50}`;
    const eventId = eventIdFor({ sourceName: source, documentId, partitionKey, lsn, operation: 'upsert' });
    return {
      schemaVersion: 1,
      eventId,
      correlationId: eventId,
      source: { name: source, account: 'bench', database: 'db', container: 'items' },
      documentId,
      partitionKey,
      version: { lsn, ts: 1_700_000_000 + lsn },
      publishedAt: new Date(0).toISOString(),
      operation: 'upsert',
      payload: { id: documentId, tenant: partitionKey, total: index * 1.5, note: 'x'.repeat(300), lsn },
    };
  });
}

/** The same events in batches of `BATCH`. */
export function batchesOf(source: string, count: number, lsn: number): ChangeEvent[][] {
  const events = eventsOf(source, count, lsn);
  return Array.from({ length: Math.ceil(count / BATCH) }, (_, index) =>
    events.slice(index * BATCH, (index + 1) * BATCH),
  );
}

/** Applies one batch; a benchmark whose events were not all applied measured the wrong thing. */
export async function applyOrFail(target: Target, batch: readonly ChangeEvent[]): Promise<void> {
  const outcomes = await target.applyBatch(batch);
  const wrong = outcomes.find((outcome) => outcome.status !== 'applied');
  if (wrong) throw new Error(`bench event not applied: ${JSON.stringify(wrong)}`);
}

/** Applies batches one after the other. */
export async function applyAll(target: Target, batches: ChangeEvent[][]): Promise<void> {
  for (const batch of batches) await applyOrFail(target, batch);
}
