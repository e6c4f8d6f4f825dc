import { randomBytes } from 'node:crypto';
import { createWebhookTarget, webhookTargetSchema } from '../../shared/targets/webhook/index.js';
import { makeEvent } from '../support/events.js';
import { startWebhookReceiver } from '../../dev/webhook-receiver.js';
import { runTargetContract } from './target-contract.js';

// The webhook target only delivers; the version guard is the receiver's. The contract therefore runs the target and
// the reference receiver together, and reads back what the receiver holds (directly, and through the query protocol).
runTargetContract(
  'webhook (with the reference receiver)',
  async () => {
    const secret = randomBytes(32).toString('hex');
    const receiver = await startWebhookReceiver({ secret });
    const config = webhookTargetSchema.parse({
      name: 'hook',
      type: 'webhook',
      subscription: 'webhook-target',
      url: receiver.url,
      timeoutMs: 5_000,
      retryAttempts: 2,
      retryInitialDelayMs: 10,
      retryMaxDelayMs: 50,
      versionsUrl: receiver.versionsUrl,
      queryPageSize: 7,
    });
    const target = createWebhookTarget(config, { env: { COSMOS_SYNC_WEBHOOK_SECRET: secret } });
    await target.open();
    return {
      target,
      listPageSize: 7,
      read: async (event) => receiver.read(event),
      breakStore: async () => receiver.setDown(true),
      repairStore: async () => receiver.setDown(false),
      // The receiver answers 422 to any request holding this document; the target isolates it by splitting.
      poisonEvent: (spec) => {
        receiver.refuseDocument(spec.id ?? 'doc-1');
        return makeEvent(spec);
      },
      cleanup: () => receiver.close(),
    };
  },
  { anyIdCharacters: true },
);
