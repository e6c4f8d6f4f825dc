/**
 * Poison messages: bodies no subscriber can apply, sent straight to the events topic as a broken or foreign publisher
 * would, with the properties the subscriptions' rules read so every subscription gets each one. Every target must set
 * each one aside with its reason (a poison record) or dead-letter it; the verdict looks for both.
 */
import type { ServiceBusSender } from '@azure/service-bus';
import type { Random } from './random.js';

interface PoisonKind {
  name: string;
  body: Buffer;
  contentType: string;
}

const KINDS: readonly PoisonKind[] = [
  { name: 'empty', body: Buffer.alloc(0), contentType: 'application/json' },
  { name: 'bad-json', body: Buffer.from('{"eventId": "half', 'utf8'), contentType: 'application/json' },
  {
    name: 'unknown-schema',
    body: Buffer.from(JSON.stringify({ schemaVersion: 99, eventId: 'from-the-future' }), 'utf8'),
    contentType: 'application/json',
  },
  {
    name: 'no-document-id',
    body: Buffer.from(JSON.stringify({ schemaVersion: 1, eventId: 'x', operation: 'upsert' }), 'utf8'),
    contentType: 'application/json',
  },
  { name: 'xml', body: Buffer.from('<order id="1"/>', 'utf8'), contentType: 'application/xml' },
];

export function poisonMessageSender(sender: ServiceBusSender, source: string) {
  let sent = 0;
  return async (random: Random): Promise<string> => {
    const kind = random.pick(KINDS);
    sent += 1;
    const messageId = `chaos-poison-${kind.name}-${sent}-${random.int(0, 1e9)}`;
    await sender.sendMessages({
      messageId,
      body: kind.body,
      contentType: kind.contentType,
      // A session id like the publisher's buckets: session-enabled subscriptions would dead-letter a message without.
      sessionId: String(random.int(0, 63)),
      // Live traffic as far as the rules go: no replay address, and the source every target follows.
      applicationProperties: { source, operation: 'upsert', schemaVersion: 1 },
    });
    return messageId;
  };
}
