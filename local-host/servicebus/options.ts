/** A serviceBusTrigger binding checked: which entity, sessions or not, batch or single, and how bodies are bound. */
import { z } from 'zod';
import type { HostSettings } from '../host-json.js';
import { resolveBindingStrings, type Env } from '../settings.js';

const bindingSchema = z.looseObject({
  connection: z.string().min(1),
  queueName: z.string().min(1).optional(),
  topicName: z.string().min(1).optional(),
  subscriptionName: z.string().min(1).optional(),
  isSessionsEnabled: z.boolean().optional(),
  cardinality: z.enum(['one', 'many']).optional(),
  sdkBinding: z.boolean().optional(),
  dataType: z.enum(['binary', 'string']).optional(),
  autoCompleteMessages: z.boolean().optional(),
});

export type ServiceBusEntity = { queueName: string } | { topicName: string; subscriptionName: string };

export interface ServiceBusTriggerOptions {
  connection: string;
  entity: ServiceBusEntity;
  /** "queue" or "topic/Subscriptions/subscription", for log lines. */
  entityPath: string;
  sessions: boolean;
  many: boolean;
  /** How bodies are bound: `binary` (bytes), `string`, or neither (JSON values, see trigger-value.ts). */
  dataType: 'binary' | 'string' | undefined;
  /** The trigger's binding name: the invocation's input is sent under it. */
  bindingName: string;
  autoComplete: boolean;
}

export function parseServiceBusTriggerOptions(
  bindingName: string,
  binding: Record<string, unknown>,
  env: Env,
  host: HostSettings,
  what: string,
): ServiceBusTriggerOptions {
  const parsed = bindingSchema.safeParse(resolveBindingStrings(binding, env, what));
  if (!parsed.success) {
    const issues = parsed.error.issues.map((issue) => `${issue.path.join('.')}: ${issue.message}`).join('; ');
    throw new Error(`${what}: invalid serviceBusTrigger options: ${issues}`);
  }
  const options = parsed.data;
  if (options.sdkBinding) {
    throw new Error(
      `${what}: sdkBinding is not supported by the local host. The only @azure/functions-extensions-servicebus the ` +
        'registry serves (0.2.0-preview) decodes the messages the Azure host sends without their delivery count and ' +
        'enqueue time, so this app uses the generally available binding (see docs/local-host.md)',
    );
  }
  let entity: ServiceBusEntity;
  let entityPath: string;
  if (options.queueName !== undefined) {
    if (options.topicName !== undefined) throw new Error(`${what}: give either queueName or topicName, not both`);
    entity = { queueName: options.queueName };
    entityPath = options.queueName;
  } else if (options.topicName !== undefined && options.subscriptionName !== undefined) {
    entity = { topicName: options.topicName, subscriptionName: options.subscriptionName };
    entityPath = `${options.topicName}/Subscriptions/${options.subscriptionName}`;
  } else {
    throw new Error(`${what}: serviceBusTrigger needs queueName, or topicName and subscriptionName`);
  }
  return {
    connection: options.connection,
    entity,
    entityPath,
    sessions: options.isSessionsEnabled ?? false,
    many: options.cardinality === 'many',
    dataType: options.dataType,
    bindingName,
    autoComplete: options.autoCompleteMessages ?? host.serviceBus.autoCompleteMessages,
  };
}
