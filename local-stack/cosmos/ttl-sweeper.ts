/**
 * Time to live. As in Azure, TTL is on for a container when its `defaultTtl` is set (-1: on, no default expiry;
 * n > 0: documents expire n seconds after their last write) and a document's own `ttl` (-1 or n > 0) overrides the
 * default. Azure purges expired documents in the background; here a timer does it, and each purge is an ordinary
 * delete in the change history marked timeToLiveExpired.
 */
import type { ContainerRegistry } from './container-registry.js';
import type { ChangeRecord } from './container-state.js';
import { DocumentWriter } from './document-writer.js';

export const DEFAULT_TTL_SWEEP_INTERVAL_MS = 1_000;

/** Seconds a document lives after its last write, or undefined when it never expires. */
function timeToLiveSeconds(document: Record<string, unknown>, containerDefaultTtl: number): number | undefined {
  const { ttl } = document;
  if (ttl === -1) return undefined;
  if (typeof ttl === 'number' && ttl > 0) return ttl;
  return containerDefaultTtl > 0 ? containerDefaultTtl : undefined;
}

function expiresAtMs(record: ChangeRecord, containerDefaultTtl: number): number | undefined {
  if (!record.current) return undefined;
  const seconds = timeToLiveSeconds(record.current, containerDefaultTtl);
  return seconds === undefined ? undefined : record.timeMs + seconds * 1000;
}

/** Deletes every document whose time to live has run out; returns how many. */
export function sweepExpiredDocuments(registry: ContainerRegistry, maxDocumentBytes: number, nowMs: number): number {
  let expired = 0;
  for (const { container, state } of registry.live()) {
    const { defaultTtl } = container.definition;
    if (typeof defaultTtl !== 'number' || defaultTtl === 0) continue;
    const due = [...state.liveRecords()]
      .map((record) => ({ record, at: expiresAtMs(record, defaultTtl) }))
      .filter((entry): entry is { record: ChangeRecord; at: number } => entry.at !== undefined && entry.at <= nowMs)
      .sort((a, b) => a.at - b.at);
    const writer = new DocumentWriter(container, state, maxDocumentBytes);
    for (const { record } of due) writer.expire(record);
    expired += due.length;
  }
  return expired;
}

/** Runs the sweep on a timer that does not keep the process alive; returns the function that stops it. */
export function startTtlSweeper(registry: ContainerRegistry, maxDocumentBytes: number, intervalMs: number): () => void {
  const timer = setInterval(() => {
    try {
      sweepExpiredDocuments(registry, maxDocumentBytes, Date.now());
    } catch (error) {
      // A timer callback has nobody to throw to; report loudly instead of crashing the test process.
      console.error('local Cosmos DB: TTL sweep failed', error);
    }
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
