import type { Typed } from 'rhea';
import { brokerErrors } from '../broker/broker-error.js';
import type { MessageContent, MessageProperties } from '../broker/message-content.js';
import { randomUUID } from 'node:crypto';
import { amqpMessage, encodePropertiesSection, newReader, types } from './rhea-runtime.js';

/**
 * Turns encoded AMQP messages into MessageContent without decoding the parts the broker never reads (the body),
 * and splits Service Bus batches (message format 0x80013700, one encoded message per data section).
 */

export const BATCH_MESSAGE_FORMAT = 0x80013700;

const SECTION = {
  header: 0x70,
  deliveryAnnotations: 0x71,
  messageAnnotations: 0x72,
  properties: 0x73,
  applicationProperties: 0x74,
  data: 0x75,
  sequence: 0x76,
  value: 0x77,
  footer: 0x78,
} as const;

const PROPERTY_FIELDS = [
  'message_id',
  'user_id',
  'to',
  'subject',
  'reply_to',
  'correlation_id',
  'content_type',
  'content_encoding',
  'absolute_expiry_time',
  'creation_time',
  'group_id',
  'group_sequence',
  'reply_to_group_id',
] as const;

const SYMBOLIC_SECTIONS: Record<string, number> = {
  'amqp:header:list': SECTION.header,
  'amqp:delivery-annotations:map': SECTION.deliveryAnnotations,
  'amqp:message-annotations:map': SECTION.messageAnnotations,
  'amqp:properties:list': SECTION.properties,
  'amqp:application-properties:map': SECTION.applicationProperties,
  'amqp:data:binary': SECTION.data,
  'amqp:amqp-sequence:list': SECTION.sequence,
  'amqp:value:*': SECTION.value,
  'amqp:footer:map': SECTION.footer,
};

interface Section {
  code: number;
  value: Typed;
  bytes: Buffer;
}

/** Parses one encoded message. Throws a decode BrokerError on anything that is not a well-formed AMQP message. */
export function parseEncodedMessage(buffer: Buffer): MessageContent {
  const sections = readSections(buffer);
  const content: MessageContent = {
    durable: false,
    priority: 4,
    ttlMs: undefined,
    annotations: {},
    properties: {},
    applicationProperties: undefined,
    propertiesBytes: undefined,
    applicationPropertiesBytes: undefined,
    bodyBytes: Buffer.alloc(0),
    size: buffer.length,
  };
  const bodyParts: Buffer[] = [];
  let propertyFields: unknown[] = [];
  for (const section of sections) {
    switch (section.code) {
      case SECTION.header:
        readHeader(section.value, content);
        break;
      case SECTION.deliveryAnnotations:
        break; // hop-by-hop; not kept
      case SECTION.messageAnnotations:
        content.annotations = asRecord(types.unwrap_map_simple(section.value));
        break;
      case SECTION.properties:
        propertyFields = listFields(section.value);
        content.properties = readProperties(propertyFields);
        content.propertiesBytes = section.bytes;
        break;
      case SECTION.applicationProperties:
        content.applicationProperties = asRecord(types.unwrap_map_simple(section.value));
        content.applicationPropertiesBytes = section.bytes;
        break;
      default:
        bodyParts.push(section.bytes);
    }
  }
  content.bodyBytes = bodyParts.length === 1 ? (bodyParts[0] as Buffer) : Buffer.concat(bodyParts);
  if (content.properties.messageId === undefined) assignMessageId(content, propertyFields);
  return content;
}

/**
 * Service Bus gives every message an id; one the sender left out is generated (32 hex digits). The SDK relies on
 * it, e.g. to track messages whose locks it renews automatically.
 */
function assignMessageId(content: MessageContent, fields: unknown[]): void {
  const messageId = randomUUID().replaceAll('-', '');
  const named: Record<string, unknown> = {};
  PROPERTY_FIELDS.forEach((name, index) => {
    const value = fields[index];
    if (value !== undefined && value !== null) named[name] = value;
  });
  named['message_id'] = messageId;
  const oldSize = content.propertiesBytes?.length ?? 0;
  content.propertiesBytes = encodePropertiesSection(named);
  content.properties.messageId = messageId;
  content.size += content.propertiesBytes.length - oldSize;
}

/** Splits a Service Bus batch envelope into the messages its data sections carry. */
export function unpackBatch(buffer: Buffer): MessageContent[] {
  const messages: MessageContent[] = [];
  for (const section of readSections(buffer)) {
    if (section.code !== SECTION.data) continue;
    const payload: unknown = (section.value as { value: unknown }).value;
    if (!Buffer.isBuffer(payload)) throw brokerErrors.decode('a batch data section does not hold binary data');
    messages.push(parseEncodedMessage(payload));
  }
  if (messages.length === 0) throw brokerErrors.decode('the batch holds no messages');
  return messages;
}

/** rhea decodes standard-format deliveries itself; encoding once more recovers the sections' bytes. */
export function contentFromDecoded(message: unknown): MessageContent {
  let encoded: Buffer;
  try {
    encoded = amqpMessage.encode(message);
  } catch (error) {
    throw brokerErrors.decode(`the message could not be re-encoded: ${(error as Error).message}`);
  }
  return parseEncodedMessage(encoded);
}

function readSections(buffer: Buffer): Section[] {
  const sections: Section[] = [];
  try {
    const reader = newReader(buffer);
    while (reader.remaining() > 0) {
      const start = reader.position;
      const value = reader.read();
      const code = sectionCode(value);
      if (code === undefined) throw brokerErrors.decode(`unknown message section at byte ${start}`);
      sections.push({ code, value, bytes: buffer.subarray(start, reader.position) });
    }
  } catch (error) {
    if (error instanceof Error && error.name === 'BrokerError') throw error;
    throw brokerErrors.decode(`malformed AMQP message: ${(error as Error).message}`);
  }
  return sections;
}

function sectionCode(value: Typed): number | undefined {
  const descriptor: unknown = (value.descriptor as { value?: unknown } | undefined)?.value;
  if (typeof descriptor === 'number')
    return descriptor >= SECTION.header && descriptor <= SECTION.footer ? descriptor : undefined;
  if (typeof descriptor === 'string') return SYMBOLIC_SECTIONS[descriptor];
  return undefined;
}

function readHeader(value: Typed, content: MessageContent): void {
  const fields = listFields(value);
  content.durable = fields[0] === true;
  if (typeof fields[1] === 'number') content.priority = fields[1];
  if (typeof fields[2] === 'number') content.ttlMs = fields[2];
}

function readProperties(fields: unknown[]): MessageProperties {
  const properties: MessageProperties = {};
  if (fields[0] !== undefined && fields[0] !== null) properties.messageId = fields[0];
  if (typeof fields[2] === 'string') properties.to = fields[2];
  if (typeof fields[3] === 'string') properties.subject = fields[3];
  if (typeof fields[4] === 'string') properties.replyTo = fields[4];
  if (fields[5] !== undefined && fields[5] !== null) properties.correlationId = fields[5];
  if (typeof fields[6] === 'string') properties.contentType = fields[6];
  if (typeof fields[10] === 'string') properties.groupId = fields[10];
  if (typeof fields[12] === 'string') properties.replyToGroupId = fields[12];
  return properties;
}

function listFields(value: Typed): unknown[] {
  const fields: unknown = types.unwrap(value.value);
  if (!Array.isArray(fields)) throw brokerErrors.decode('a message header or properties section is not a list');
  return fields;
}

function asRecord(value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null)
    throw brokerErrors.decode('an annotations or properties section is not a map');
  return value as Record<string, unknown>;
}
