/**
 * The demo's workload and its expected outcome: creates, then updates of half the documents, then soft deletes of a
 * tenth, written with bounded concurrency. Records when each document's final write happened, so convergence lag can
 * be measured per document.
 */
import type { Container } from '@azure/cosmos';

export interface ExpectedDocument {
  id: string;
  customerId: string;
  revision: number;
  deleted: boolean;
  /** When the write that produced the final state returned (ms since epoch). */
  finalWriteAt: number;
  /**
   * The source no longer holds the document at all (a hard delete): a target may hold a tombstone or nothing, and
   * holds the final state either way.
   */
  hardDeleted?: boolean;
}

export interface WorkloadResult {
  expected: Map<string, ExpectedDocument>;
  writes: number;
  startedAt: number;
  finishedAt: number;
}

async function inChunks<T>(items: readonly T[], size: number, work: (item: T) => Promise<void>): Promise<void> {
  for (let start = 0; start < items.length; start += size) {
    await Promise.all(items.slice(start, start + size).map(work));
  }
}

export async function runWorkload(
  container: Container,
  documents: number,
  onProgress: (message: string) => void,
): Promise<WorkloadResult> {
  const expected = new Map<string, ExpectedDocument>();
  const startedAt = Date.now();
  let writes = 0;
  const write = async (doc: ExpectedDocument, body: Record<string, unknown>): Promise<void> => {
    await container.items.upsert({
      id: doc.id,
      customerId: doc.customerId,
      type: 'order',
      revision: doc.revision,
      ...body,
    });
    writes += 1;
    doc.finalWriteAt = Date.now();
  };
  const ids = Array.from({ length: documents }, (_, index) => `order-${index}`);
  for (const id of ids) {
    const index = Number(id.slice(6));
    expected.set(id, { id, customerId: `customer-${index % 97}`, revision: 1, deleted: false, finalWriteAt: 0 });
  }
  onProgress(`creating ${documents} documents`);
  await inChunks(ids, 50, (id) => write(expected.get(id) as ExpectedDocument, { total: 10, items: ['a', 'b'] }));
  const updated = ids.filter((_, index) => index % 2 === 0);
  onProgress(`updating ${updated.length} documents`);
  await inChunks(updated, 50, async (id) => {
    const doc = expected.get(id) as ExpectedDocument;
    doc.revision = 2;
    await write(doc, { total: 20, items: ['a', 'b', 'c'] });
  });
  const deleted = ids.filter((_, index) => index % 10 === 3);
  onProgress(`soft-deleting ${deleted.length} documents`);
  await inChunks(deleted, 50, async (id) => {
    const doc = expected.get(id) as ExpectedDocument;
    doc.revision = 3;
    doc.deleted = true;
    await write(doc, { _deleted: true, ttl: 600 });
  });
  return { expected, writes, startedAt, finishedAt: Date.now() };
}
