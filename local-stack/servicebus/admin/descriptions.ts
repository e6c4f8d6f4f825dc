/**
 * The `<QueueDescription>`, `<TopicDescription>`, `<SubscriptionDescription>` and `<NamespaceInfo>` bodies. Element
 * names, order and defaults follow what Service Bus (Standard tier) returns; every element the SDK's serializers
 * require is present, or the SDK would reject the response as unparsable.
 */

import type { EntityProperties, EntityRuntimeCounts, TopicRuntimeCounts } from '../runtime-counts.js';
import { element, textElement, type XmlElement } from './xml.js';
import { formatXsdDuration, MAX_TIMESPAN_DURATION } from './xsd-duration.js';

const CONNECT_NAMESPACE = 'http://schemas.microsoft.com/netservices/2010/10/servicebus/connect';
const INSTANCE_NAMESPACE = 'http://www.w3.org/2001/XMLSchema-instance';
// The SDK reads the counts through whatever prefix this element declares; `d2p1` is what the service uses.
const COUNT_DETAILS_NAMESPACE = 'http://schemas.microsoft.com/netservices/2011/06/servicebus';

const DEFAULT_LOCK_DURATION = 'PT1M';
const DEFAULT_DUPLICATE_DETECTION_WINDOW = 'PT10M';
const DEFAULT_MAX_DELIVERY_COUNT = 10;
const STANDARD_MAX_SIZE_MB = 1024;
const STANDARD_MAX_MESSAGE_SIZE_KB = 256;

/** Turns an entity name from the configuration into the absolute `sb://` form the service reports for forwarding. */
export type ForwardTargetUri = (entityName: string) => string;

export function queueDescription(
  properties: EntityProperties,
  counts: EntityRuntimeCounts,
  forwardTarget: ForwardTargetUri,
): XmlElement {
  return description('QueueDescription', [
    textElement('LockDuration', durationOr(properties.lockDurationMs, DEFAULT_LOCK_DURATION)),
    textElement('MaxSizeInMegabytes', STANDARD_MAX_SIZE_MB),
    textElement('RequiresDuplicateDetection', properties.requiresDuplicateDetection ?? false),
    textElement('RequiresSession', properties.requiresSession ?? false),
    textElement('DefaultMessageTimeToLive', durationOr(properties.defaultMessageTimeToLiveMs, MAX_TIMESPAN_DURATION)),
    textElement('DeadLetteringOnMessageExpiration', properties.deadLetteringOnMessageExpiration ?? false),
    textElement(
      'DuplicateDetectionHistoryTimeWindow',
      durationOr(properties.duplicateDetectionHistoryTimeWindowMs, DEFAULT_DUPLICATE_DETECTION_WINDOW),
    ),
    textElement('MaxDeliveryCount', properties.maxDeliveryCount ?? DEFAULT_MAX_DELIVERY_COUNT),
    textElement('EnableBatchedOperations', true),
    textElement('SizeInBytes', counts.sizeInBytes),
    textElement('MessageCount', counts.totalMessageCount),
    textElement('IsAnonymousAccessible', false),
    element('AuthorizationRules'),
    textElement('Status', 'Active'),
    forwardElement('ForwardTo', properties.forwardTo, forwardTarget),
    ...timestamps(counts),
    textElement('SupportOrdering', true),
    countDetails(counts),
    textElement('AutoDeleteOnIdle', MAX_TIMESPAN_DURATION),
    textElement('EnablePartitioning', false),
    textElement('EntityAvailabilityStatus', 'Available'),
    forwardElement('ForwardDeadLetteredMessagesTo', properties.forwardDeadLetteredMessagesTo, forwardTarget),
    textElement('EnableExpress', false),
    textElement('MaxMessageSizeInKilobytes', STANDARD_MAX_MESSAGE_SIZE_KB),
  ]);
}

export function topicDescription(properties: EntityProperties, counts: TopicRuntimeCounts): XmlElement {
  return description('TopicDescription', [
    textElement('DefaultMessageTimeToLive', durationOr(properties.defaultMessageTimeToLiveMs, MAX_TIMESPAN_DURATION)),
    textElement('MaxSizeInMegabytes', STANDARD_MAX_SIZE_MB),
    textElement('RequiresDuplicateDetection', properties.requiresDuplicateDetection ?? false),
    textElement(
      'DuplicateDetectionHistoryTimeWindow',
      durationOr(properties.duplicateDetectionHistoryTimeWindowMs, DEFAULT_DUPLICATE_DETECTION_WINDOW),
    ),
    textElement('EnableBatchedOperations', true),
    textElement('SizeInBytes', counts.sizeInBytes),
    textElement('FilteringMessagesBeforePublishing', false),
    textElement('IsAnonymousAccessible', false),
    element('AuthorizationRules'),
    textElement('Status', 'Active'),
    ...timestamps(counts),
    textElement('SupportOrdering', true),
    // A topic holds no messages of its own except scheduled ones; the service reports zeros for the rest.
    countDetails({ ...NO_MESSAGES, scheduledMessageCount: counts.scheduledMessageCount }),
    textElement('SubscriptionCount', counts.subscriptionCount),
    textElement('AutoDeleteOnIdle', MAX_TIMESPAN_DURATION),
    textElement('EnablePartitioning', false),
    textElement('EntityAvailabilityStatus', 'Available'),
    textElement('EnableSubscriptionPartitioning', false),
    textElement('EnableExpress', false),
    textElement('MaxMessageSizeInKilobytes', STANDARD_MAX_MESSAGE_SIZE_KB),
  ]);
}

export function subscriptionDescription(
  properties: EntityProperties,
  counts: EntityRuntimeCounts,
  forwardTarget: ForwardTargetUri,
): XmlElement {
  return description('SubscriptionDescription', [
    textElement('LockDuration', durationOr(properties.lockDurationMs, DEFAULT_LOCK_DURATION)),
    textElement('RequiresSession', properties.requiresSession ?? false),
    textElement('DefaultMessageTimeToLive', durationOr(properties.defaultMessageTimeToLiveMs, MAX_TIMESPAN_DURATION)),
    textElement('DeadLetteringOnMessageExpiration', properties.deadLetteringOnMessageExpiration ?? false),
    textElement('DeadLetteringOnFilterEvaluationExceptions', true),
    textElement('MessageCount', counts.totalMessageCount),
    textElement('MaxDeliveryCount', properties.maxDeliveryCount ?? DEFAULT_MAX_DELIVERY_COUNT),
    textElement('EnableBatchedOperations', true),
    textElement('Status', 'Active'),
    forwardElement('ForwardTo', properties.forwardTo, forwardTarget),
    ...timestamps(counts),
    countDetails(counts),
    textElement('AutoDeleteOnIdle', MAX_TIMESPAN_DURATION),
    forwardElement('ForwardDeadLetteredMessagesTo', properties.forwardDeadLetteredMessagesTo, forwardTarget),
    textElement('EntityAvailabilityStatus', 'Available'),
  ]);
}

export function namespaceInfo(name: string, createdAt: Date): XmlElement {
  return description('NamespaceInfo', [
    textElement('CreatedTime', createdAt.toISOString()),
    textElement('MessagingSKU', 'Standard'),
    textElement('ModifiedTime', createdAt.toISOString()),
    textElement('Name', name),
    textElement('NamespaceType', 'Messaging'),
  ]);
}

type MessageCounts = Pick<
  EntityRuntimeCounts,
  | 'activeMessageCount'
  | 'deadLetterMessageCount'
  | 'scheduledMessageCount'
  | 'transferMessageCount'
  | 'transferDeadLetterMessageCount'
>;

const NO_MESSAGES: MessageCounts = {
  activeMessageCount: 0,
  deadLetterMessageCount: 0,
  scheduledMessageCount: 0,
  transferMessageCount: 0,
  transferDeadLetterMessageCount: 0,
};

function countDetails(counts: MessageCounts): XmlElement {
  return element(
    'CountDetails',
    [
      textElement('d2p1:ActiveMessageCount', counts.activeMessageCount),
      textElement('d2p1:DeadLetterMessageCount', counts.deadLetterMessageCount),
      textElement('d2p1:ScheduledMessageCount', counts.scheduledMessageCount),
      textElement('d2p1:TransferMessageCount', counts.transferMessageCount),
      textElement('d2p1:TransferDeadLetterMessageCount', counts.transferDeadLetterMessageCount),
    ],
    { 'xmlns:d2p1': COUNT_DETAILS_NAMESPACE },
  );
}

function timestamps(dates: { createdAt: Date; updatedAt: Date; accessedAt: Date }): XmlElement[] {
  return [
    textElement('CreatedAt', dates.createdAt.toISOString()),
    textElement('UpdatedAt', dates.updatedAt.toISOString()),
    textElement('AccessedAt', dates.accessedAt.toISOString()),
  ];
}

function description(name: string, children: readonly (XmlElement | undefined)[]): XmlElement {
  return element(name, children, { xmlns: CONNECT_NAMESPACE, 'xmlns:i': INSTANCE_NAMESPACE });
}

function durationOr(milliseconds: number | undefined, fallback: string): string {
  return milliseconds === undefined ? fallback : formatXsdDuration(milliseconds);
}

/** The emulator configuration writes "" for "no forwarding"; the service then omits the element. */
function forwardElement(name: string, target: string | undefined, toUri: ForwardTargetUri): XmlElement | undefined {
  if (target === undefined || target === '') {
    return undefined;
  }
  return textElement(name, target.includes('://') ? target : toUri(target));
}
