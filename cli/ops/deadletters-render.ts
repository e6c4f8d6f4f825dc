/**
 * How dead letters look: a table for `list`, every field and the body for `show`, and the JSON forms of both. A
 * dead letter's text comes from whoever sent or rejected it, so nothing of it reaches the terminal unescaped.
 */
import { formatDuration, NONE, secondsBetween } from '../format.js';
import type { Paint } from '../color.js';
import { renderTable, type Column } from '../table.js';
import type { DeadLetter } from './deadletters-item.js';

/** Control characters (ANSI escapes, carriage returns) written as escapes, so a message cannot redraw the screen. */
export function printable(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (char) =>
    char === '\n'
      ? '\\n'
      : char === '\r'
        ? '\\r'
        : char === '\t'
          ? '\\t'
          : `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

const cell = (value: string | number | undefined): string =>
  value === undefined || value === '' ? NONE : printable(String(value));

export const ageOf = (item: DeadLetter, now: Date): string =>
  item.since === undefined ? NONE : formatDuration(secondsBetween(item.since, now));

/**
 * A long id (a poison record's key is usually a 64-character event id) as its first 12 characters: `show` takes any
 * start of 8 or more, and `--json` has the whole id.
 */
export function shortId(id: string): string {
  const colon = id.indexOf(':');
  return id.length - colon - 1 > 16 ? id.slice(0, colon + 13) : id;
}

/** `order-1 (pk "alice")` from the `{"documentId":...,"partitionKey":...}` the item carries. */
function keyText(documentKey: string | undefined): string | undefined {
  if (documentKey === undefined) return undefined;
  try {
    const { documentId, partitionKey } = JSON.parse(documentKey) as { documentId?: unknown; partitionKey?: unknown };
    return typeof documentId === 'string' ? `${documentId} (pk ${JSON.stringify(partitionKey ?? null)})` : documentKey;
  } catch {
    return documentKey;
  }
}

/** The id is never cut (it is what `show` takes); the wide columns give way first, then the droppable ones go. */
const COLUMNS: Column[] = [
  { header: 'ID' },
  { header: 'KIND' },
  { header: 'REASON', minWidth: 16 },
  { header: 'DELIVERIES', align: 'right' },
  { header: 'AGE', align: 'right' },
  { header: 'KEY', minWidth: 16 },
  { header: 'EVENT ID', minWidth: 10, droppable: true },
  { header: 'DESCRIPTION', minWidth: 16, droppable: true },
  { header: 'MESSAGE ID', minWidth: 10, droppable: true },
  { header: 'SEQ', align: 'right', droppable: true },
];

export function listTable(items: readonly DeadLetter[], now: Date, width: number, paint: Paint): string[] {
  const rows = items.map((item) => [
    cell(shortId(item.id)),
    item.kind,
    { text: cell(item.reason), style: 'yellow' as const },
    cell(item.deliveryCount),
    ageOf(item, now),
    cell(keyText(item.documentKey)),
    cell(item.eventId),
    cell(item.description?.replace(/\s+/g, ' ')),
    cell(item.messageId),
    cell(item.sequenceNumber),
  ]);
  return renderTable(COLUMNS, rows, width, paint);
}

/** A body for display: JSON as JSON, other text as an escaped string, anything else as base64. */
export type BodyView =
  | { encoding: 'json'; bytes: number; value: unknown }
  | { encoding: 'text'; bytes: number; text: string }
  | { encoding: 'base64'; bytes: number; data: string }
  /** A poison record whose body blob is gone. */
  | { encoding: 'missing'; bytes: 0; detail: string };

export function bodyView(bytes: Buffer): BodyView {
  const text = bytes.toString('utf8');
  const lossless = Buffer.from(text, 'utf8').equals(bytes);
  if (lossless) {
    try {
      return { encoding: 'json', bytes: bytes.length, value: JSON.parse(text) as unknown };
    } catch {
      return { encoding: 'text', bytes: bytes.length, text };
    }
  }
  return { encoding: 'base64', bytes: bytes.length, data: bytes.toString('base64') };
}

/** Pretty JSON, one printable line each (JSON escapes most control characters, not DEL and the C1 range). */
const jsonLines = (value: unknown): string[] => (JSON.stringify(value, null, 2) ?? 'null').split('\n').map(printable);

/** Lines of `show`: the fields, the message properties, then the body. */
export function showLines(
  item: DeadLetter,
  where: string,
  properties: Record<string, unknown>,
  body: BodyView,
  now: Date,
): string[] {
  const field = (name: string, value: string | number | undefined) => `${name.padEnd(17)}${cell(value)}`;
  const since = item.since === undefined ? undefined : `${item.since.toISOString()} (${ageOf(item, now)} ago)`;
  const lines = [
    `${printable(item.id)}  ${where}`,
    field('reason', item.reason),
    field('description', item.description),
    field('delivery count', item.deliveryCount),
    field('event id', item.eventId),
    field('source', item.source),
    field('key', item.documentKey),
    field('message id', item.messageId),
    field('sequence number', item.sequenceNumber),
    field('session id', item.sessionId),
    field(item.kind === 'dlq' ? 'enqueued' : 'recorded', since),
    'properties:',
    ...jsonLines(properties).map((line) => `  ${line}`),
  ];
  if (body.encoding === 'json') {
    lines.push(`body (${body.bytes} bytes, JSON):`, ...jsonLines(body.value));
  } else if (body.encoding === 'text') {
    lines.push(`body (${body.bytes} bytes, not JSON; as a string literal):`, printable(JSON.stringify(body.text)));
  } else if (body.encoding === 'base64') {
    lines.push(`body (${body.bytes} bytes, not UTF-8 text; base64):`, ...(body.data.match(/.{1,76}/g) ?? ['']));
  } else {
    lines.push(`body: missing (${printable(body.detail)})`);
  }
  return lines;
}
