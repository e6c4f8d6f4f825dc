/**
 * The message that stands in for an event stored in the claim container. Everything but the body is the normal
 * message's: the message id (duplicate detection still drops a re-sent batch), the session (per-key order), the
 * subject, the content type and every application property (subscription rules, replay addressing), plus the claim
 * reference and hash as two more properties.
 */
import type { ServiceBusMessage } from '@azure/service-bus';
import type { ChangeEvent } from '../events/envelope.js';
import { CLAIM_BLOB_PROPERTY, CLAIM_SHA256_PROPERTY, claimBody, type ClaimReference } from './reference.js';

export function claimCheckedMessage(
  message: ServiceBusMessage,
  event: ChangeEvent,
  reference: ClaimReference,
): ServiceBusMessage {
  return {
    ...message,
    body: Buffer.from(JSON.stringify(claimBody(reference, event)), 'utf8'),
    applicationProperties: {
      ...message.applicationProperties,
      [CLAIM_BLOB_PROPERTY]: `${reference.container}/${reference.blob}`,
      [CLAIM_SHA256_PROPERTY]: reference.sha256,
    },
  };
}
