import { registerSecret } from '../../redact.js';
import { defineTarget } from '../descriptor.js';
import { webhookSecretProblem, webhookTargetSchema } from './config.js';
import { createWebhookTarget } from './index.js';

export const webhookTarget = defineTarget({
  type: 'webhook',
  configSchema: webhookTargetSchema,
  // The secret is checked at start-up, so a missing or short one stops the app before the first request.
  resolve: (config, context) => {
    const problem = webhookSecretProblem(config, context.env);
    // Known from start-up on, in every function of the app (not only where the target is built): never printed.
    if (!problem) registerSecret(context.env[config.secretSetting]);
    return { value: config, problems: problem ? [problem] : [] };
  },
  create: (config, context) => createWebhookTarget(config, { env: context.env }),
});
