import { readFileSync } from 'node:fs';
import type { z } from 'zod';
import { parseSqlFilter } from '../filters/sql-parser.js';
import { SqlFilterSyntaxError } from '../filters/sql-lexer.js';
import { ServiceBusConfigError, describePath, type ConfigIssue } from './config-error.js';
import {
  emulatorConfigSchema,
  type EmulatorQueue,
  type EmulatorRule,
  type EmulatorSubscription,
  type EmulatorTopic,
} from './emulator-schema.js';
import {
  EMULATOR_DEFAULTS,
  type MessageEntitySettings,
  type ParsedEmulatorConfig,
  type QueueDefinition,
  type RuleDefinition,
  type SubscriptionDefinition,
  type TopicDefinition,
} from './parsed-config.js';

/**
 * Reads and validates an entities file in the official Service Bus emulator's Config.json format (a path, or the
 * already parsed JSON). Throws a ServiceBusConfigError listing every problem, each with the path of the field.
 */
export function loadEmulatorConfig(pathOrObject: string | unknown): ParsedEmulatorConfig {
  const { source, input } = readInput(pathOrObject);
  const result = emulatorConfigSchema.safeParse(input);
  if (!result.success) throw new ServiceBusConfigError(source, zodIssues(input, result.error.issues));
  const issues: ConfigIssue[] = [];
  const namespace = result.data.UserConfig.Namespaces[0];
  if (namespace === undefined)
    throw new ServiceBusConfigError(source, [{ path: 'UserConfig.Namespaces', message: 'expected one namespace' }]);
  const at = (...path: PropertyKey[]): string => describePath(input, ['UserConfig', 'Namespaces', 0, ...path]);
  const queues = (namespace.Queues ?? []).map(toQueue);
  const topics = (namespace.Topics ?? []).map((topic, index) => toTopic(topic, index, at, issues));
  checkUniqueNames(
    [...queues.map((queue) => queue.name), ...topics.map((topic) => topic.name)],
    'queue or topic',
    (index) => (index < queues.length ? at('Queues', index, 'Name') : at('Topics', index - queues.length, 'Name')),
    issues,
  );
  checkForwardTargets(queues, topics, at, issues);
  if (issues.length > 0) throw new ServiceBusConfigError(source, issues);
  return { namespace: namespace.Name, queues, topics };
}

type At = (...path: PropertyKey[]) => string;

function readInput(pathOrObject: string | unknown): { source: string; input: unknown } {
  if (typeof pathOrObject !== 'string') return { source: 'config object', input: pathOrObject };
  let text: string;
  try {
    text = readFileSync(pathOrObject, 'utf8');
  } catch (error) {
    throw new ServiceBusConfigError(pathOrObject, [
      { path: '', message: `cannot read the file: ${(error as Error).message}` },
    ]);
  }
  try {
    return { source: pathOrObject, input: JSON.parse(text) as unknown };
  } catch (error) {
    throw new ServiceBusConfigError(pathOrObject, [
      { path: '', message: `not valid JSON: ${(error as Error).message}` },
    ]);
  }
}

function zodIssues(input: unknown, issues: ReadonlyArray<z.core.$ZodIssue>): ConfigIssue[] {
  return issues.flatMap((issue): ConfigIssue[] => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({
        path: describePath(input, [...issue.path, key]),
        message: 'unknown field; check the spelling against the emulator Config.json format',
      }));
    }
    if (issue.code === 'invalid_union') {
      return [{ path: describePath(input, issue.path), message: unionMessage(issue) }];
    }
    return [{ path: describePath(input, issue.path), message: issue.message }];
  });
}

/** ForwardTo is the only union: "" or an entity name. Report the name rule, which is the one that applies. */
function unionMessage(issue: z.core.$ZodIssueInvalidUnion): string {
  const last = issue.errors.at(-1)?.[0];
  return last?.message ?? issue.message;
}

function toQueue(queue: EmulatorQueue): QueueDefinition {
  const properties = queue.Properties ?? {};
  return {
    name: queue.Name,
    settings: {
      ...entitySettings(properties),
      requiresDuplicateDetection: properties.RequiresDuplicateDetection ?? false,
      duplicateDetectionHistoryTimeWindowMs:
        properties.DuplicateDetectionHistoryTimeWindow ?? EMULATOR_DEFAULTS.duplicateDetectionHistoryTimeWindowMs,
    },
  };
}

function toTopic(topic: EmulatorTopic, index: number, at: At, issues: ConfigIssue[]): TopicDefinition {
  const properties = topic.Properties ?? {};
  const subscriptions = topic.Subscriptions.map((subscription, subscriptionIndex) =>
    toSubscription(subscription, (...path) => at('Topics', index, 'Subscriptions', subscriptionIndex, ...path), issues),
  );
  checkUniqueNames(
    subscriptions.map((subscription) => subscription.name),
    'subscription',
    (subscriptionIndex) => at('Topics', index, 'Subscriptions', subscriptionIndex, 'Name'),
    issues,
  );
  return {
    name: topic.Name,
    settings: {
      defaultMessageTimeToLiveMs: properties.DefaultMessageTimeToLive ?? EMULATOR_DEFAULTS.defaultMessageTimeToLiveMs,
      requiresDuplicateDetection: properties.RequiresDuplicateDetection ?? false,
      duplicateDetectionHistoryTimeWindowMs:
        properties.DuplicateDetectionHistoryTimeWindow ?? EMULATOR_DEFAULTS.duplicateDetectionHistoryTimeWindowMs,
    },
    subscriptions,
  };
}

function toSubscription(subscription: EmulatorSubscription, at: At, issues: ConfigIssue[]): SubscriptionDefinition {
  // Like Service Bus, a subscription created without rules gets `$Default` with a filter that matches everything.
  const rules =
    subscription.Rules === undefined || subscription.Rules.length === 0
      ? [
          {
            name: '$Default',
            filter: { kind: 'sql', expression: '1=1', predicate: parseSqlFilter('1=1') },
          } satisfies RuleDefinition,
        ]
      : subscription.Rules.map((rule, index) => toRule(rule, (...path) => at('Rules', index, ...path), issues));
  checkUniqueNames(
    rules.map((rule) => rule.name),
    'rule',
    (index) => at('Rules', index, 'Name'),
    issues,
  );
  return { name: subscription.Name, settings: entitySettings(subscription.Properties ?? {}), rules };
}

function toRule(rule: EmulatorRule, at: At, issues: ConfigIssue[]): RuleDefinition {
  const properties = rule.Properties;
  const action = properties.Action?.SqlExpression?.trim();
  if (action !== undefined && action !== '') {
    issues.push({
      path: at('Properties', 'Action', 'SqlExpression'),
      message:
        'rule actions (SqlRuleAction) are not supported by the local broker; remove the Action or run the official emulator (docs/local-stack-servicebus.md)',
    });
  }
  if (properties.FilterType === 'Correlation') {
    const filter = properties.CorrelationFilter ?? {};
    return {
      name: rule.Name,
      filter: {
        kind: 'correlation',
        correlation: definedOnly({
          contentType: filter.ContentType,
          correlationId: filter.CorrelationId,
          label: filter.Label,
          messageId: filter.MessageId,
          replyTo: filter.ReplyTo,
          replyToSessionId: filter.ReplyToSessionId,
          sessionId: filter.SessionId,
          to: filter.To,
          properties: filter.Properties,
        }),
      },
    };
  }
  const expression = properties.SqlFilter?.SqlExpression ?? '';
  try {
    return { name: rule.Name, filter: { kind: 'sql', expression, predicate: parseSqlFilter(expression) } };
  } catch (error) {
    if (!(error instanceof SqlFilterSyntaxError)) throw error;
    issues.push({
      path: at('Properties', 'SqlFilter', 'SqlExpression'),
      message: `invalid SQL filter: ${error.message}`,
    });
    return { name: rule.Name, filter: { kind: 'sql', expression, predicate: { kind: 'constant', value: false } } };
  }
}

type EntityProperties = {
  DeadLetteringOnMessageExpiration?: boolean | undefined;
  DefaultMessageTimeToLive?: number | undefined;
  LockDuration?: number | undefined;
  MaxDeliveryCount?: number | undefined;
  ForwardTo?: string | undefined;
  ForwardDeadLetteredMessagesTo?: string | undefined;
  RequiresSession?: boolean | undefined;
};

function entitySettings(properties: EntityProperties): MessageEntitySettings {
  return {
    lockDurationMs: properties.LockDuration ?? EMULATOR_DEFAULTS.lockDurationMs,
    maxDeliveryCount: properties.MaxDeliveryCount ?? EMULATOR_DEFAULTS.maxDeliveryCount,
    requiresSession: properties.RequiresSession ?? false,
    defaultMessageTimeToLiveMs: properties.DefaultMessageTimeToLive ?? EMULATOR_DEFAULTS.defaultMessageTimeToLiveMs,
    deadLetteringOnMessageExpiration: properties.DeadLetteringOnMessageExpiration ?? false,
    forwardTo: properties.ForwardTo === '' ? undefined : properties.ForwardTo,
    forwardDeadLetteredMessagesTo:
      properties.ForwardDeadLetteredMessagesTo === '' ? undefined : properties.ForwardDeadLetteredMessagesTo,
  };
}

/** Service Bus names are case-insensitive, so `Orders` and `orders` are the same entity. */
function checkUniqueNames(
  names: string[],
  what: string,
  pathOf: (index: number) => string,
  issues: ConfigIssue[],
): void {
  const seen = new Map<string, number>();
  names.forEach((name, index) => {
    const key = name.toLowerCase();
    const first = seen.get(key);
    if (first === undefined) seen.set(key, index);
    else
      issues.push({
        path: pathOf(index),
        message: `duplicate ${what} name "${name}" (names are case-insensitive; first at ${pathOf(first)})`,
      });
  });
}

function checkForwardTargets(
  queues: QueueDefinition[],
  topics: TopicDefinition[],
  at: At,
  issues: ConfigIssue[],
): void {
  const known = new Set([...queues, ...topics].map((entity) => entity.name.toLowerCase()));
  const check = (target: string | undefined, self: string, path: string): void => {
    if (target === undefined) return;
    if (!known.has(target.toLowerCase()))
      issues.push({ path, message: `no queue or topic named "${target}" in this namespace` });
    else if (target.toLowerCase() === self.toLowerCase())
      issues.push({ path, message: 'an entity cannot forward to itself' });
  };
  queues.forEach((queue, index) => {
    check(queue.settings.forwardTo, queue.name, at('Queues', index, 'Properties', 'ForwardTo'));
    check(
      queue.settings.forwardDeadLetteredMessagesTo,
      queue.name,
      at('Queues', index, 'Properties', 'ForwardDeadLetteredMessagesTo'),
    );
  });
  topics.forEach((topic, topicIndex) =>
    topic.subscriptions.forEach((subscription, index) => {
      const path = (field: string): string => at('Topics', topicIndex, 'Subscriptions', index, 'Properties', field);
      check(subscription.settings.forwardTo, '', path('ForwardTo'));
      check(subscription.settings.forwardDeadLetteredMessagesTo, '', path('ForwardDeadLetteredMessagesTo'));
    }),
  );
}

function definedOnly<T extends object>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as {
    [K in keyof T]: Exclude<T[K], undefined>;
  };
}
