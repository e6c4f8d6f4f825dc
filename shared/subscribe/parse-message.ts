/**
 * Turns a received Service Bus message body into a validated event, or into a poison verdict with a reason and a
 * description that names exactly what is wrong. Never throws: a bad message must not fail its batch.
 */
import { EVENT_SCHEMA_VERSION, changeEventSchema, type ChangeEvent } from '../events/envelope.js';
import { messageOf } from '../errors.js';

export type PoisonReason = 'InvalidEvent' | 'UnsupportedSchemaVersion';

export type ParsedMessage = { ok: true; event: ChangeEvent } | { ok: false; reason: PoisonReason; description: string };

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

export function parseEventMessage(body: unknown): ParsedMessage {
  const decoded = decodeBody(body);
  if (!decoded.ok) return { ok: false, reason: 'InvalidEvent', description: decoded.description };
  const value = decoded.value;
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
