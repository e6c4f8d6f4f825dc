/**
 * Where change-feed items that can never be published are kept, with their reason, so nothing is lost silently and
 * an operator can repair and re-save them. Writes are awaited before the batch completes.
 */
import { createHash } from 'node:crypto';
import type { ContainerClient } from '@azure/storage-blob';

export interface QuarantineEntry {
  source: string;
  code: string;
  reason: string;
  documentId: string | undefined;
  item: unknown;
  quarantinedAt: string;
}

export interface QuarantineStore {
  put(entry: QuarantineEntry): Promise<void>;
}

/** A JSON rendering that cannot throw: cycles and BigInts (the reasons some items are quarantined) become strings. */
export function safeJson(value: unknown): string {
  const seen = new WeakSet<object>();
  return JSON.stringify(value, (_key, inner: unknown) => {
    if (typeof inner === 'bigint') return `${inner.toString()}n`;
    if (typeof inner === 'object' && inner !== null) {
      if (seen.has(inner)) return '[Circular]';
      seen.add(inner);
    }
    return inner;
  });
}

/** Blob per entry: `<source>/<date>/<code>/<hash>.json`; the hash makes re-quarantining one item idempotent. */
export function quarantineBlobName(entry: QuarantineEntry): string {
  const body = safeJson(entry.item) ?? 'undefined';
  const hash = createHash('sha256').update(body).digest('hex').slice(0, 32);
  return `${entry.source}/${entry.quarantinedAt.slice(0, 10)}/${entry.code}/${hash}.json`;
}

export class BlobQuarantineStore implements QuarantineStore {
  private ready: Promise<unknown> | undefined;

  constructor(private readonly container: ContainerClient) {}

  async put(entry: QuarantineEntry): Promise<void> {
    this.ready ??= this.container.createIfNotExists().catch((error: unknown) => {
      this.ready = undefined;
      throw error;
    });
    await this.ready;
    const text = safeJson(entry);
    await this.container.getBlockBlobClient(quarantineBlobName(entry)).upload(text, Buffer.byteLength(text), {
      blobHTTPHeaders: { blobContentType: 'application/json' },
      metadata: { code: entry.code, source: entry.source },
    });
  }
}
