/**
 * The subscriber's half of the claim check (docs/claim-check.md): a message whose body references an event in the
 * claim container is resolved to that event before anything else happens to its batch. The blob is fetched, its
 * size and SHA-256 compared with the reference, and only then parsed and validated like any event body.
 *
 * - The blob is gone, or its bytes are not the referenced ones: the message can never be applied, so it becomes a
 *   poison record (ClaimCheckMissing, ClaimCheckCorrupt) and the batch goes on.
 * - Storage cannot be read now: resolving fails with a retryable error and the runner fails the batch, which Service
 *   Bus delivers again (and dead-letters after MaxDeliveryCount). Nothing of the batch is applied or lost.
 */
import { ClaimCheckError } from '../claims/errors.js';
import { sha256Hex, type ClaimReference } from '../claims/reference.js';
import { scopedSignal } from '../claims/scoped-signal.js';
import type { ClaimReader } from '../claims/store.js';
import { messageOf } from '../errors.js';
import { throwIfShuttingDown } from '../lifecycle/shutdown.js';
import { mapBounded } from '../map-bounded.js';
import type { Delivery } from './delivery.js';
import { parseEventMessage, readMessage, type ClaimPoisonReason, type ParsedMessage } from './parse-message.js';

/** Blob reads at once per batch. */
const RESOLVE_CONCURRENCY = 8;

export interface ParsedDelivery {
  delivery: Delivery;
  /** Undefined only for a claim check left unresolved because `failure` ended the resolving. */
  parsed: ParsedMessage | undefined;
}

export interface ParsedBatch {
  deliveries: ParsedDelivery[];
  /** Why claim checks could not be resolved (retryable, or the shutdown): the batch must be delivered again. */
  failure: unknown;
}

const poison = (reason: ClaimPoisonReason, description: string): ParsedMessage => ({ ok: false, reason, description });

/** Every delivery parsed, claim checks resolved, in delivery order. Never throws: a failure is returned. */
export async function parseDeliveries(
  deliveries: readonly Delivery[],
  claims: ClaimReader | undefined,
  signal?: AbortSignal,
): Promise<ParsedBatch> {
  const read = deliveries.map((delivery) => ({ delivery, read: readMessage(delivery.body) }));
  const resolved = new Map<Delivery, ParsedMessage>();
  let failure: unknown;
  const pending = read.flatMap((entry) => (entry.read.kind === 'claim' ? [{ ...entry, claim: entry.read }] : []));
  if (pending.length > 0) {
    const reads = scopedSignal(signal);
    try {
      await mapBounded(pending, RESOLVE_CONCURRENCY, async ({ delivery, claim }) => {
        resolved.set(delivery, await resolveClaim(claims, claim.reference, claim.eventId, reads.signal));
      });
    } catch (error) {
      failure = error;
    } finally {
      reads.end();
    }
  }
  return {
    deliveries: read.map(({ delivery, read: message }): ParsedDelivery => {
      if (message.kind === 'claim') return { delivery, parsed: resolved.get(delivery) };
      if (message.kind === 'event') return { delivery, parsed: { ok: true, event: message.event } };
      return { delivery, parsed: { ok: false, reason: message.reason, description: message.description } };
    }),
    failure,
  };
}

/**
 * The event a claim check references, or why it can never be had. Throws a retryable ClaimCheckError when storage
 * cannot be read now, and the shutdown's error when the app shuts down.
 */
export async function resolveClaim(
  claims: ClaimReader | undefined,
  reference: ClaimReference,
  eventId: string | undefined,
  signal?: AbortSignal,
): Promise<ParsedMessage> {
  const where = `${reference.container}/${reference.blob}`;
  if (!claims)
    return poison('ClaimCheckUnresolvable', `claim-checked event ${where}: this subscriber has no claim reader`);
  // Only the app's own claim container: a message may not make the subscriber read any other blob of the account.
  if (reference.container !== claims.container) {
    return poison(
      'ClaimCheckInvalid',
      `the reference names claim container "${reference.container}", this subscriber reads "${claims.container}" ` +
        '(COSMOS_SYNC_CLAIM_CONTAINER)',
    );
  }
  let bytes: Uint8Array;
  try {
    throwIfShuttingDown(signal);
    bytes = await claims.get(reference.blob, signal);
  } catch (error) {
    throwIfShuttingDown(signal);
    if (error instanceof ClaimCheckError && error.code === 'CLAIM_MISSING') {
      return poison(
        'ClaimCheckMissing',
        `claim blob ${where} does not exist (expired after COSMOS_SYNC_CLAIM_RETENTION_DAYS, deleted, or another ` +
          `storage account): ${messageOf(error)}`,
      );
    }
    throw error;
  }
  const sha256 = bytes.byteLength === reference.bytes ? sha256Hex(bytes) : undefined;
  if (sha256 !== reference.sha256) {
    return poison(
      'ClaimCheckCorrupt',
      `claim blob ${where} holds ${bytes.byteLength} bytes${sha256 ? ` with SHA-256 ${sha256}` : ''}, the reference ` +
        `expects ${reference.bytes} bytes with SHA-256 ${reference.sha256}`,
    );
  }
  const parsed = parseEventMessage(bytes);
  if (!parsed.ok) return { ...parsed, description: `claim-checked event in ${where}: ${parsed.description}` };
  if (eventId !== undefined && parsed.event.eventId !== eventId) {
    return poison('ClaimCheckCorrupt', `claim blob ${where} holds event ${parsed.event.eventId}, not ${eventId}`);
  }
  return parsed;
}
