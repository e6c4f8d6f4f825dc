/**
 * The publisher's half of the claim check: an event whose message cannot fit even an empty batch is stored in the claim
 * container, and a small message that references it takes its place in the feed order. Uploads of events known to be
 * too large start together (a few at a time) as soon as the link's limit is known, but each reference message is added
 * only once its own upload is done, so nothing is ever sent that points at a blob not yet stored, and the order of
 * the feed is kept.
 */
import type { ServiceBusMessage } from '@azure/service-bus';
import { claimCheckedMessage } from '../claims/message.js';
import { claimReferenceFor } from '../claims/reference.js';
import type { ClaimWriter } from '../claims/store.js';
import type { ChangeEvent } from '../events/envelope.js';
import { throwIfShuttingDown } from '../lifecycle/shutdown.js';

export interface ClaimCheckDeps {
  store: ClaimWriter;
  /** Events above this many bytes are not stored but quarantined: COSMOS_SYNC_CLAIM_MAX_BYTES. */
  maxEventBytes: number;
}

/** A change on its way to Service Bus. */
export interface PendingMessage {
  message: ServiceBusMessage;
  /** The event's exact JSON bytes: the message body, and what a claim blob holds and is named after. */
  bytes: Buffer;
  event: ChangeEvent;
  item: unknown;
  documentId: string;
}

export type Claimed = { ok: true; message: ServiceBusMessage; blob: string } | { ok: false; reason: string };

/** Uploads at once per invocation: enough to hide the latency of each, few enough to bound memory and connections. */
const UPLOAD_CONCURRENCY = 4;

export class ClaimUploads {
  private readonly started = new Map<PendingMessage, Promise<Claimed>>();
  private active = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(
    private readonly deps: ClaimCheckDeps,
    private readonly signal: AbortSignal | undefined,
  ) {}

  /** Starts the uploads of `entries`, in their order, without waiting for them. */
  prefetch(entries: readonly PendingMessage[]): void {
    for (const entry of entries) this.claim(entry);
  }

  /** The reference message for `entry` once its event is stored, or why it is too large even for the claim check. */
  claim(entry: PendingMessage): Promise<Claimed> {
    let claimed = this.started.get(entry);
    if (!claimed) {
      claimed = this.upload(entry);
      // Awaited in feed order by the sender; one that fails after an earlier failure ended the send is never awaited.
      claimed.catch(() => undefined);
      this.started.set(entry, claimed);
    }
    return claimed;
  }

  private async upload(entry: PendingMessage): Promise<Claimed> {
    const { maxEventBytes, store } = this.deps;
    if (entry.bytes.length > maxEventBytes) {
      return {
        ok: false,
        reason:
          `event is ${entry.bytes.length} bytes, above COSMOS_SYNC_CLAIM_MAX_BYTES (${maxEventBytes}), the largest ` +
          'event the claim check stores',
      };
    }
    const reference = claimReferenceFor(entry.bytes, entry.event.publishedAt, store.container);
    await this.slot();
    try {
      throwIfShuttingDown(this.signal);
      await store.put(reference.blob, entry.bytes, entry.event.eventId, this.signal);
    } finally {
      this.release();
    }
    return { ok: true, message: claimCheckedMessage(entry.message, entry.event, reference), blob: reference.blob };
  }

  private async slot(): Promise<void> {
    if (this.active < UPLOAD_CONCURRENCY) {
      this.active += 1;
      return;
    }
    // The finishing upload hands its slot over: `active` stays as it is.
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.active -= 1;
  }
}
