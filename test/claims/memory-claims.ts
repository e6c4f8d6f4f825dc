/** An in-memory claim container for unit tests of the publisher's and subscriber's claim-check logic (no I/O). */
import { ClaimCheckError } from '../../shared/claims/errors.js';
import type { ClaimReader, ClaimWriter } from '../../shared/claims/store.js';

export class MemoryClaims implements ClaimWriter, ClaimReader {
  readonly blobs = new Map<string, Buffer>();
  /** Every put, in the order they started. */
  readonly puts: string[] = [];
  /** Test hook: storage is down (a retryable error) until cleared. */
  down = false;
  /** Test hook: puts wait for this before they finish, so a test can watch them in flight. */
  gate: Promise<void> | undefined;
  inFlight = 0;
  maxInFlight = 0;

  constructor(readonly container = 'claims') {}

  async put(blob: string, bytes: Uint8Array): Promise<void> {
    this.puts.push(blob);
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await this.gate;
      if (this.down) throw new ClaimCheckError('CLAIM_UNAVAILABLE', `store claim blob ${blob} failed: storage is down`);
      this.blobs.set(blob, Buffer.from(bytes));
    } finally {
      this.inFlight -= 1;
    }
  }

  async get(blob: string): Promise<Uint8Array> {
    if (this.down) throw new ClaimCheckError('CLAIM_UNAVAILABLE', `read claim blob ${blob} failed: storage is down`);
    const bytes = this.blobs.get(blob);
    if (!bytes) throw new ClaimCheckError('CLAIM_MISSING', `read claim blob ${blob} failed with 404: BlobNotFound`);
    return bytes;
  }
}
