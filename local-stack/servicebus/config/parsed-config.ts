import type { CorrelationFilterSpec } from '../filters/correlation-filter.js';
import type { SqlPredicate } from '../filters/sql-ast.js';

/** The emulator Config.json after validation, with defaults filled in and durations in milliseconds. */
export interface ParsedEmulatorConfig {
  namespace: string;
  queues: QueueDefinition[];
  topics: TopicDefinition[];
}

/** Settings shared by everything that holds messages (queues and subscriptions). */
export interface MessageEntitySettings {
  lockDurationMs: number;
  maxDeliveryCount: number;
  requiresSession: boolean;
  defaultMessageTimeToLiveMs: number;
  deadLetteringOnMessageExpiration: boolean;
  /** Entity name; undefined when the config leaves it empty. */
  forwardTo: string | undefined;
  forwardDeadLetteredMessagesTo: string | undefined;
}

/** Settings of entities that accept sends (queues and topics). */
export interface DuplicateDetectionSettings {
  requiresDuplicateDetection: boolean;
  duplicateDetectionHistoryTimeWindowMs: number;
}

export interface QueueDefinition {
  name: string;
  settings: MessageEntitySettings & DuplicateDetectionSettings;
}

export interface TopicDefinition {
  name: string;
  settings: DuplicateDetectionSettings & { defaultMessageTimeToLiveMs: number };
  subscriptions: SubscriptionDefinition[];
}

export interface SubscriptionDefinition {
  name: string;
  settings: MessageEntitySettings;
  rules: RuleDefinition[];
}

export interface RuleDefinition {
  name: string;
  filter: RuleFilter;
}

export type RuleFilter =
  | { kind: 'sql'; expression: string; predicate: SqlPredicate }
  | { kind: 'correlation'; correlation: CorrelationFilterSpec };

/** Defaults of the official Service Bus emulator (see its Config-schema.json), so one Config.json means the same. */
export const EMULATOR_DEFAULTS = {
  lockDurationMs: 60_000,
  maxDeliveryCount: 3,
  defaultMessageTimeToLiveMs: 3_600_000,
  duplicateDetectionHistoryTimeWindowMs: 20_000,
} as const;
