/**
 * Sending an event again to one target only. Every subscription's rule accepts live events (no `replayTo` property)
 * and events whose `replayTo` names that subscription, so a replay, a backfill or a repair reaches the one target it
 * is for while every other target never sees it. The replayed message gets a message id of its own, or the topic's
 * duplicate detection would drop it as a re-send of the original within the detection window.
 */
import { createHash } from 'node:crypto';
import type { ServiceBusMessage } from '@azure/service-bus';

/** The application property that addresses a message to one subscription. Part of the wire contract. */
export const REPLAY_TO_PROPERTY = 'replayTo';

/** Why a message was sent to one target: kept in the `replayKind` property for operators reading a subscription. */
export type ReplayKind = 'replay' | 'backfill' | 'repair';
export const REPLAY_KIND_PROPERTY = 'replayKind';

/** A SQL string literal: quotes doubled, as the Service Bus SQL filter grammar reads them. */
export function sqlLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}

/**
 * The SQL filter of a target's subscription: live events (of its sources, when it has a list) and replays addressed
 * to this subscription. The Bicep template (`subscriptionFilter` in infra/modules/servicebus.bicep) and the local
 * broker's configuration hold this exact text: test/infra/replay-rules.test.ts fails when either differs, so a change
 * here is a change of every deployed rule (applied by the next `azd provision`).
 */
export function subscriptionFilterFor(subscription: string, sources?: readonly string[]): string {
  const ownReplays = `${REPLAY_TO_PROPERTY} = ${sqlLiteral(subscription)}`;
  const live = `${REPLAY_TO_PROPERTY} IS NULL`;
  if (sources === undefined || sources.length === 0) return `${live} OR ${ownReplays}`;
  return `(${live} OR ${ownReplays}) AND source IN (${sources.map(sqlLiteral).join(', ')})`;
}

/**
 * A message id for a targeted re-send: deterministic in (kind, subscription, basis), so sending the same thing twice
 * (a command interrupted after sending, before settling) is dropped by duplicate detection, while the original's id
 * is never reused. `basis` names what is re-sent: an event id with the dead-letter's sequence number, for example.
 */
export function replayMessageId(kind: ReplayKind, subscription: string, basis: string): string {
  const digest = createHash('sha256').update(`${kind}\n${subscription}\n${basis}`).digest('hex').slice(0, 40);
  return `${kind}-${digest}`;
}

/** `message` addressed to `subscription` only, with its own message id. Body, session and other properties kept. */
export function addressedTo(
  message: ServiceBusMessage,
  subscription: string,
  kind: ReplayKind,
  messageId: string,
): ServiceBusMessage {
  return {
    ...message,
    messageId,
    applicationProperties: {
      ...message.applicationProperties,
      [REPLAY_TO_PROPERTY]: subscription,
      [REPLAY_KIND_PROPERTY]: kind,
    },
  };
}
