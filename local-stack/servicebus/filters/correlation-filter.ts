import type { FilterableMessage } from './filterable-message.js';
import type { SystemPropertyName } from './sql-ast.js';

/** A correlation filter: every field that is set must equal the message's value (strings compare exactly). */
export interface CorrelationFilterSpec {
  correlationId?: string;
  messageId?: string;
  to?: string;
  replyTo?: string;
  /** The emulator's Config.json calls the subject `Label`, as the older Service Bus APIs did. */
  label?: string;
  sessionId?: string;
  replyToSessionId?: string;
  contentType?: string;
  properties?: Record<string, string | number | boolean>;
}

const SYSTEM_FIELDS: ReadonlyArray<[keyof CorrelationFilterSpec, SystemPropertyName]> = [
  ['correlationId', 'CorrelationId'],
  ['messageId', 'MessageId'],
  ['to', 'To'],
  ['replyTo', 'ReplyTo'],
  ['label', 'Label'],
  ['sessionId', 'SessionId'],
  ['replyToSessionId', 'ReplyToSessionId'],
  ['contentType', 'ContentType'],
];

export function correlationFilterMatches(spec: CorrelationFilterSpec, message: FilterableMessage): boolean {
  for (const [field, systemName] of SYSTEM_FIELDS) {
    const expected = spec[field];
    if (expected === undefined) continue;
    const actual = message.systemProperty(systemName);
    if (actual === undefined || String(actual) !== expected) return false;
  }
  for (const [name, expected] of Object.entries(spec.properties ?? {})) {
    const actual = message.userProperty(name.toLowerCase());
    if (!actual.found || !sameValue(actual.value, expected)) return false;
  }
  return true;
}

function sameValue(actual: unknown, expected: string | number | boolean): boolean {
  if (typeof actual === 'bigint') return typeof expected === 'number' && Number(actual) === expected;
  return actual === expected;
}
