/** Checks a client's document the way Cosmos DB does before it is stored. */
import type { JsonObject } from './base-server.js';
import { badRequest, missingId, tooLarge } from './errors.js';

/** Properties the service owns; values sent by the client (e.g. a document read earlier and sent back) are dropped. */
const SYSTEM_PROPERTIES = ['_rid', '_self', '_etag', '_ts', '_attachments', '_lsn'];

/** Cosmos DB refuses these characters in ids because they break resource URLs. */
const ILLEGAL_ID_CHARACTERS = /[/\\?#]/;

export function isJsonObject(value: unknown): value is JsonObject {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Validates a document body and returns it without system properties. */
export function userDocument(body: unknown): JsonObject & { id: string } {
  if (!isJsonObject(body)) {
    throw badRequest('The request payload is invalid. Ensure to provide a valid request payload.');
  }
  const { id } = body;
  if (typeof id !== 'string' || id.length === 0) throw missingId();
  if (ILLEGAL_ID_CHARACTERS.test(id)) throw badRequest('Id contains illegal chars.');
  validateTimeToLive(body.ttl);
  const document: JsonObject = {};
  for (const [name, value] of Object.entries(body)) {
    if (!SYSTEM_PROPERTIES.includes(name)) document[name] = value;
  }
  return { ...document, id };
}

function validateTimeToLive(ttl: unknown): void {
  if (ttl === undefined || ttl === null) return;
  if (typeof ttl !== 'number' || !Number.isInteger(ttl) || ttl === 0 || ttl < -1) {
    throw badRequest("The value of the 'ttl' property must be -1 or a positive integer.");
  }
}

/** Item size is the UTF-8 length of the document's JSON, as the service measures it (system properties aside). */
export function assertWithinSizeLimit(document: JsonObject, maxDocumentBytes: number): void {
  if (Buffer.byteLength(JSON.stringify(document), 'utf8') > maxDocumentBytes) throw tooLarge();
}
