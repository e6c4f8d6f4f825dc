/**
 * The claim check's wire contract (docs/claim-check.md). An event too large for one Service Bus message is stored as a
 * blob named by the SHA-256 of its exact JSON bytes, and the message carries this reference instead of the event.
 * Publishers and subscribers of every release must agree on it, so test/golden/wire-formats.test.ts pins it byte for
 * byte; changing a field's meaning needs a new `format`.
 */
import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { ChangeEvent } from '../events/envelope.js';

/** Version of the reference body; a subscriber sets aside a reference of a format it does not know. */
export const CLAIM_FORMAT = 1;

/** Application properties a claim-checked message carries beside the normal ones, for operators and rules. */
export const CLAIM_BLOB_PROPERTY = 'claimBlob';
export const CLAIM_SHA256_PROPERTY = 'claimSha256';

const SHA256_HEX = /^[0-9a-f]{64}$/;
/**
 * `<yyyy-mm-dd>/<sha256>.json`: the day the event was published (from its `publishedAt`, part of the hashed bytes, so
 * the name is still a function of the bytes alone) lets the sweeper list only expired days.
 */
export const CLAIM_BLOB_NAME = /^(\d{4}-\d{2}-\d{2})\/([0-9a-f]{64})\.json$/;

export const claimReferenceSchema = z
  .object({
    format: z.literal(CLAIM_FORMAT),
    /** The claim container the publisher wrote to; a subscriber reads only its own (COSMOS_SYNC_CLAIM_CONTAINER). */
    container: z.string().min(3).max(63),
    blob: z.string().regex(CLAIM_BLOB_NAME, 'expected <yyyy-mm-dd>/<sha256>.json'),
    /** Lower-case hex SHA-256 of the blob's bytes, checked before the event is parsed. */
    sha256: z.string().regex(SHA256_HEX, 'expected 64 lower-case hex digits'),
    bytes: z.number().int().positive(),
  })
  .refine((reference) => reference.blob.endsWith(`/${reference.sha256}.json`), {
    message: 'the blob name must end with the sha256',
    path: ['blob'],
  });
export type ClaimReference = z.infer<typeof claimReferenceSchema>;

/**
 * The body of a claim-checked message. Besides the reference it repeats what a poison record and an operator need to
 * tell which document the message is about (the same fields, at the same paths, as in an event).
 */
export interface ClaimBody {
  claimCheck: ClaimReference;
  eventId: string;
  source: { name: string };
  documentId: string;
  partitionKey: ChangeEvent['partitionKey'];
  operation: ChangeEvent['operation'];
}

export const sha256Hex = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

export function claimReferenceFor(bytes: Uint8Array, publishedAt: string, container: string): ClaimReference {
  const sha256 = sha256Hex(bytes);
  return {
    format: CLAIM_FORMAT,
    container,
    blob: `${publishedAt.slice(0, 10)}/${sha256}.json`,
    sha256,
    bytes: bytes.length,
  };
}

/** Keys in a fixed order: the body is part of the wire contract. */
export function claimBody(reference: ClaimReference, event: ChangeEvent): ClaimBody {
  return {
    claimCheck: {
      format: reference.format,
      container: reference.container,
      blob: reference.blob,
      sha256: reference.sha256,
      bytes: reference.bytes,
    },
    eventId: event.eventId,
    source: { name: event.source.name },
    documentId: event.documentId,
    partitionKey: event.partitionKey,
    operation: event.operation,
  };
}

/** True for a decoded body that is a claim check rather than an event: the one extra test a subscriber makes. */
export function isClaimBody(value: unknown): value is { claimCheck: unknown } {
  return typeof value === 'object' && value !== null && 'claimCheck' in value;
}

export type ParsedClaim =
  { ok: true; reference: ClaimReference; eventId: string | undefined } | { ok: false; description: string };

export function parseClaimBody(value: { claimCheck: unknown; eventId?: unknown }): ParsedClaim {
  const parsed = claimReferenceSchema.safeParse(value.claimCheck);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 5)
      .map((issue) => `claimCheck${issue.path.map((part) => `.${String(part)}`).join('')}: ${issue.message}`)
      .join('; ');
    return { ok: false, description: `not a valid claim-check reference: ${issues}` };
  }
  return { ok: true, reference: parsed.data, eventId: typeof value.eventId === 'string' ? value.eventId : undefined };
}
