/**
 * What every target stores of a source document: its fields without the source container's system properties (they
 * describe the source copy, and a target that is a container assigns its own), passed through the target's projection
 * when it has one.
 */
import type { ChangeEvent, UpsertEvent } from '../events/envelope.js';

/** A projection receives the document without system properties and returns what to store (or throws to reject). */
export type Projection = (document: Record<string, unknown>, event: ChangeEvent) => Record<string, unknown>;

/** Cosmos DB system properties of the source document. */
export const SOURCE_SYSTEM_PROPERTIES: ReadonlySet<string> = new Set([
  '_rid',
  '_self',
  '_etag',
  '_attachments',
  '_ts',
  '_lsn',
]);

/** The document's own fields: the payload without the source's system properties. */
export function sourceFields(payload: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const fields: Record<string, unknown> = {};
  for (const name in payload) {
    if (!SOURCE_SYSTEM_PROPERTIES.has(name)) fields[name] = payload[name];
  }
  return fields;
}

/** What to store of an upsert: its own fields, projected. Throws when the projection throws (the event is rejected). */
export function projectedFields(event: UpsertEvent, project: Projection | undefined): Record<string, unknown> {
  const fields = sourceFields(event.payload);
  return project ? project(fields, event) : fields;
}
