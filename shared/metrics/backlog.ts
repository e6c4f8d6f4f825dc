/**
 * Service Bus backlog per target: how many messages wait in the target's subscription, how many were dead-lettered
 * and how many are scheduled, read from the management API (`getSubscriptionRuntimeProperties`). All subscriptions are
 * queried in parallel; a target whose subscription cannot be read gets a problem (code, message, retryable) instead
 * of counts, and the others are still reported.
 *
 * Service Bus keeps scheduled messages on the topic until they are due (subscriptions have no scheduled count), so
 * `scheduled` is the topic's count, read once per call and the same for every target.
 */
import type { ServiceBusAdministrationClient } from '@azure/service-bus';
import { CosmosSyncError } from '../errors.js';

export interface BacklogTarget {
  target: string;
  subscription: string;
}

export interface Backlog {
  /** Messages waiting for the target (locked ones included, as Service Bus counts them). */
  active: number;
  /** Messages in the subscription's dead-letter queue. */
  deadLettered: number;
  /** Messages scheduled on the topic for later delivery (held by the topic, so the same for every target). */
  scheduled: number;
}

export type BacklogProblemCode =
  /** The subscription (or its topic) does not exist: a configuration mistake, not worth retrying. */
  | 'SUBSCRIPTION_NOT_FOUND'
  /** No answer, a timeout, throttling or a server error: the next run will likely succeed. */
  | 'BACKLOG_UNAVAILABLE'
  /** The service refused the request (missing Manage rights, bad request): someone has to look. */
  | 'BACKLOG_REJECTED';

export interface BacklogProblem {
  code: BacklogProblemCode;
  message: string;
  retryable: boolean;
}

/** The one method used, so callers (and tests) can pass any client that has it. */
export type BacklogAdminClient = Pick<
  ServiceBusAdministrationClient,
  'getSubscriptionRuntimeProperties' | 'getTopicRuntimeProperties'
>;

/** A backlog problem as a typed error, for callers that fail their invocation on a retryable one. */
export class BacklogError extends CosmosSyncError {
  readonly code: BacklogProblemCode;
  readonly retryable: boolean;

  constructor(problem: BacklogProblem, options?: { cause?: unknown }) {
    super(problem.message, options);
    this.code = problem.code;
    this.retryable = problem.retryable;
  }
}

export function isBacklogProblem(value: Backlog | BacklogProblem): value is BacklogProblem {
  return 'code' in value;
}

/** Backlog or problem per target name, in the order of `targets`. */
export async function readBacklogs(
  admin: BacklogAdminClient,
  topic: string,
  targets: readonly BacklogTarget[],
): Promise<Map<string, Backlog | BacklogProblem>> {
  if (targets.length === 0) return new Map();
  const scheduledOnTopic = admin.getTopicRuntimeProperties(topic).then(
    (properties) => properties.scheduledMessageCount,
    (error: unknown) => backlogProblemFrom(error, `topic "${topic}"`),
  );
  const results = await Promise.all(
    targets.map(async ({ target, subscription }): Promise<[string, Backlog | BacklogProblem]> => {
      const what = `subscription "${subscription}" of topic "${topic}" (target ${target})`;
      try {
        const counts = await admin.getSubscriptionRuntimeProperties(topic, subscription);
        const scheduled = await scheduledOnTopic;
        // Without the topic's count the backlog is incomplete: report why rather than a made-up zero.
        if (typeof scheduled !== 'number') return [target, { ...scheduled, message: `${what}: ${scheduled.message}` }];
        return [target, { active: counts.activeMessageCount, deadLettered: counts.deadLetterMessageCount, scheduled }];
      } catch (error) {
        return [target, backlogProblemFrom(error, what)];
      }
    }),
  );
  return new Map(results);
}

function field(error: unknown, name: 'code' | 'statusCode' | 'message'): unknown {
  return typeof error === 'object' && error !== null ? (error as Record<string, unknown>)[name] : undefined;
}

/** Turns a management API failure into a problem; `what` names the entity (and target), the message what to do. */
export function backlogProblemFrom(error: unknown, what: string): BacklogProblem {
  const code = field(error, 'code');
  const status = field(error, 'statusCode');
  const detail = typeof field(error, 'message') === 'string' ? (field(error, 'message') as string) : String(error);
  // Azure answers an unknown topic with 200 and an empty feed, an unknown subscription with 404; the SDK gives both
  // this code, so the code decides, not the status.
  if (code === 'MessageEntityNotFoundError') {
    return {
      code: 'SUBSCRIPTION_NOT_FOUND',
      retryable: false,
      // Sessions depend on the target (required for an ordered one, refused for the others), so the hint says both.
      message:
        `Service Bus ${what} does not exist; create it (requiring sessions only for an ordered target) or fix ` +
        'the configured name',
    };
  }
  const transient = typeof status !== 'number' || status === 408 || status === 429 || status >= 500;
  if (transient) {
    return {
      code: 'BACKLOG_UNAVAILABLE',
      retryable: true,
      message: `could not read the backlog of ${what}${typeof status === 'number' ? ` (${status})` : ''}: ${detail}`,
    };
  }
  const hint =
    status === 401 || status === 403
      ? ' (reading counts needs Manage rights: a SAS policy with Manage or the Azure Service Bus Data Owner role)'
      : '';
  return {
    code: 'BACKLOG_REJECTED',
    retryable: false,
    message: `reading the backlog of ${what} was refused (${status}): ${detail}${hint}`,
  };
}
