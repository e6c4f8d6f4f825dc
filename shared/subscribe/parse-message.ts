/**
 * Turns a received Service Bus message body into a validated event, or into a poison verdict with a reason and a
 * description that names exactly what is wrong. Never throws: a bad message must not fail its batch.
 *
 * A body may also be a claim check (docs/claim-check.md): a reference to the event in the claim container.
 * `readMessage` tells the three apart; shared/subscribe/resolve-claims.ts fetches and checks what a reference names.
 */
import { isClaimBody, parseClaimBody, type ClaimReference } from '../claims/reference.js';
import { EVENT_SCHEMA_VERSION, changeEventSchema, type ChangeEvent } from '../events/envelope.js';
import { messageOf } from '../errors.js';

/** Why a claim-checked message can never be applied. */
export type ClaimPoisonReason =
  /** The body is a claim check but its reference is malformed, of an unknown format, or for another container. */
  | 'ClaimCheckInvalid'
  /** The blob it names does not exist (expired after the retention, deleted, another storage account). */
  | 'ClaimCheckMissing'
  /** The blob's bytes do not have the size and SHA-256 the reference gives, or hold another event. */
  | 'ClaimCheckCorrupt'
  /** The subscriber was built without a claim reader, so it cannot fetch the event. */
  | 'ClaimCheckUnresolvable';

export type PoisonReason = 'InvalidEvent' | 'UnsupportedSchemaVersion' | ClaimPoisonReason;

export type ParsedMessage = { ok: true; event: ChangeEvent } | { ok: false; reason: PoisonReason; description: string };

/** A message as read from its body: an event, a claim check to resolve, or poison. */
export type ReadMessage =
  | { kind: 'event'; event: ChangeEvent }
  | { kind: 'claim'; reference: ClaimReference; eventId: string | undefined }
  | { kind: 'poison'; reason: PoisonReason; description: string };

/** Bodies arrive as bytes (the publisher sends UTF-8 JSON), but strings and already-decoded objects are accepted. */
function decodeBody(body: unknown): { ok: true; value: unknown } | { ok: false; description: string } {
  if (body instanceof Uint8Array || typeof body === 'string') {
    // A view over the same bytes, not a copy (Buffer.from(uint8Array) would copy every body once more).
    const text =
      typeof body === 'string' ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
    try {
      return { ok: true, value: JSON.parse(text) as unknown };
    } catch (error) {
      return { ok: false, description: `body is not JSON: ${messageOf(error)}` };
    }
  }
  if (typeof body === 'object' && body !== null) return { ok: true, value: body };
  return { ok: false, description: `body is ${body === null ? 'null' : typeof body}, expected a JSON event` };
}

/** The body as an event; a claim-check body is not one (see `readMessage`). */
export function parseEventMessage(body: unknown): ParsedMessage {
  const decoded = decodeBody(body);
  if (!decoded.ok) return { ok: false, reason: 'InvalidEvent', description: decoded.description };
  return validateEvent(decoded.value);
}

/** Decodes the body once and tells an event from a claim check: for events, one property test more than before. */
export function readMessage(body: unknown): ReadMessage {
  const decoded = decodeBody(body);
  if (!decoded.ok) return { kind: 'poison', reason: 'InvalidEvent', description: decoded.description };
  if (isClaimBody(decoded.value)) {
    const claim = parseClaimBody(decoded.value);
    return claim.ok
      ? { kind: 'claim', reference: claim.reference, eventId: claim.eventId }
      : { kind: 'poison', reason: 'ClaimCheckInvalid', description: claim.description };
  }
  const parsed = validateEvent(decoded.value);
  return parsed.ok
    ? { kind: 'event', event: parsed.event }
    : { kind: 'poison', reason: parsed.reason, description: parsed.description };
}

function validateEvent(value: unknown): ParsedMessage {
  const version =
    typeof value === 'object' && value !== null ? (value as Record<string, unknown>)['schemaVersion'] : undefined;
  if (version !== EVENT_SCHEMA_VERSION) {
    return {
      ok: false,
      reason: 'UnsupportedSchemaVersion',
      description: `schemaVersion is ${JSON.stringify(version)}, this subscriber reads ${EVENT_SCHEMA_VERSION}`,
    };
  }
  const parsed = changeEventSchema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues
      .slice(0, 5)
      .map((issue) => `${issue.path.join('.') || '(event)'}: ${issue.message}`)
      .join('; ');
    return { ok: false, reason: 'InvalidEvent', description: `not a valid event: ${issues}` };
  }
  return { ok: true, event: parsed.data };
}
