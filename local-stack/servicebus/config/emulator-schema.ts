import { z } from 'zod';
import { ISO_DURATION_EXAMPLE, parseIsoDuration } from './durations.js';

/**
 * The official Service Bus emulator's Config.json (`UserConfig.Namespaces[].Queues/Topics[]...`), as published in
 * its Config-schema.json. Objects are strict so a misspelt property is an error rather than a silently used default.
 * Limits the emulator imposes for its own sake (at most PT1H TTL, 10 deliveries, a fixed namespace name) are not
 * enforced: the same file must also describe a real namespace.
 */

const ENTITY_NAME = /^[A-Za-z0-9]$|^[A-Za-z0-9][\w\-./]*[A-Za-z0-9]$/;

/** Error text that says "required" for a missing field and what was expected for a wrong one. */
function expected(what: string): { error: (issue: { input: unknown }) => string } {
  return { error: (issue) => (issue.input === undefined ? `required (${what})` : `expected ${what}`) };
}

const entityName = z.string(expected('a name (a string)')).regex(ENTITY_NAME, {
  error: 'expected letters, digits, "-", "_", "." or "/", starting and ending with a letter or digit',
});

/** Empty means "not set", which is how the emulator's sample config writes ForwardTo. */
const optionalEntityName = z.union([z.literal(''), entityName]);

const duration = z.string(expected(ISO_DURATION_EXAMPLE)).transform((text, context) => {
  const milliseconds = parseIsoDuration(text);
  if (milliseconds === undefined || milliseconds <= 0) {
    context.addIssue({ code: 'custom', message: `expected ${ISO_DURATION_EXAMPLE}, got "${text}"` });
    return z.NEVER;
  }
  return milliseconds;
});

const flag = z.boolean(expected('true or false'));
const deliveryCount = z
  .number(expected('a whole number of at least 1'))
  .int({ error: 'expected a whole number of at least 1' })
  .min(1, { error: 'expected a whole number of at least 1' });

const queueProperties = z.strictObject({
  DeadLetteringOnMessageExpiration: flag.optional(),
  DefaultMessageTimeToLive: duration.optional(),
  DuplicateDetectionHistoryTimeWindow: duration.optional(),
  ForwardDeadLetteredMessagesTo: optionalEntityName.optional(),
  ForwardTo: optionalEntityName.optional(),
  LockDuration: duration.optional(),
  MaxDeliveryCount: deliveryCount.optional(),
  RequiresDuplicateDetection: flag.optional(),
  RequiresSession: flag.optional(),
});

const topicProperties = z.strictObject({
  DefaultMessageTimeToLive: duration.optional(),
  DuplicateDetectionHistoryTimeWindow: duration.optional(),
  RequiresDuplicateDetection: flag.optional(),
});

const subscriptionProperties = z.strictObject({
  DeadLetteringOnMessageExpiration: flag.optional(),
  DefaultMessageTimeToLive: duration.optional(),
  LockDuration: duration.optional(),
  MaxDeliveryCount: deliveryCount.optional(),
  ForwardDeadLetteredMessagesTo: optionalEntityName.optional(),
  ForwardTo: optionalEntityName.optional(),
  RequiresSession: flag.optional(),
});

const correlationFilter = z
  .strictObject({
    ContentType: z.string().optional(),
    CorrelationId: z.string().optional(),
    Label: z.string().optional(),
    MessageId: z.string().optional(),
    ReplyTo: z.string().optional(),
    ReplyToSessionId: z.string().optional(),
    SessionId: z.string().optional(),
    To: z.string().optional(),
    Properties: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean()]), {
        error: 'expected an object of property names to string, number or boolean values',
      })
      .optional(),
  })
  .refine((filter) => Object.values(filter).some((value) => value !== undefined), {
    error: 'a correlation filter needs at least one field (CorrelationId, Label, Properties, ...)',
  });

const ruleProperties = z
  .strictObject({
    FilterType: z.enum(['Correlation', 'Sql'], expected('"Correlation" or "Sql"')),
    CorrelationFilter: correlationFilter.optional(),
    SqlFilter: z.strictObject({ SqlExpression: z.string(expected('the filter expression (a string)')) }).optional(),
    Action: z.strictObject({ SqlExpression: z.string().optional() }).optional(),
  })
  .superRefine((rule, context) => {
    if (rule.FilterType === 'Correlation' && rule.CorrelationFilter === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['CorrelationFilter'],
        message: 'required when FilterType is "Correlation"',
      });
    }
    if (rule.FilterType === 'Sql' && rule.SqlFilter === undefined) {
      context.addIssue({ code: 'custom', path: ['SqlFilter'], message: 'required when FilterType is "Sql"' });
    }
  });

const rule = z.strictObject({ Name: entityName, Properties: ruleProperties }, expected('a rule object'));

const subscription = z.strictObject({
  Name: entityName,
  Properties: subscriptionProperties.optional(),
  Rules: z.array(rule, expected('a list of rules')).optional(),
});

const queue = z.strictObject({ Name: entityName, Properties: queueProperties.optional() });

const topic = z.strictObject({
  Name: entityName,
  Properties: topicProperties.optional(),
  Subscriptions: z.array(subscription, expected('a list of subscriptions')),
});

const namespace = z.strictObject({
  Name: z.string(expected('the namespace name (a string)')).min(1, { error: 'expected a non-empty name' }),
  Queues: z.array(queue, expected('a list of queues')).optional(),
  Topics: z.array(topic, expected('a list of topics')).optional(),
});

export const emulatorConfigSchema = z.strictObject(
  {
    UserConfig: z.strictObject(
      {
        Namespaces: z.array(namespace, expected('a list with one namespace')).length(1, {
          error: 'expected exactly one namespace (the emulator, and this broker, host a single namespace)',
        }),
        Logging: z.strictObject({ Type: z.string() }).optional(),
      },
      expected('an object with Namespaces'),
    ),
  },
  expected('an object with a UserConfig property'),
);

export type EmulatorConfigFile = z.output<typeof emulatorConfigSchema>;
export type EmulatorQueue = z.output<typeof queue>;
export type EmulatorTopic = z.output<typeof topic>;
export type EmulatorSubscription = z.output<typeof subscription>;
export type EmulatorRule = z.output<typeof rule>;
