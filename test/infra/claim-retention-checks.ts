/**
 * The claim check's retention in an evaluated deployment: the claim container exists, a lifecycle management rule
 * deletes its blobs (and nothing else) after exactly the retention the app is configured with, and that retention is
 * longer than any message time to live on the topic and its subscriptions, so no message outlives the event it
 * references. Returns problems worded for the person who edits the template; empty when the check passes.
 */
import type { Deployment, ResourceInstance } from './bicep/index.js';
import { lastSegment, ofType } from './deployment.js';
import { deployedSettings } from './settings-checks.js';

type Entry = Record<string, unknown>;
const DAY_MS = 86_400_000;

const entry = (value: unknown): Entry => (typeof value === 'object' && value !== null ? (value as Entry) : {});
const props = (resource: ResourceInstance): Entry => entry(resource.body['properties']);

/** An ISO 8601 duration as Service Bus writes time to live (`P14D`, `PT1H`, `P1DT2H3M4.5S`), in milliseconds. */
export function durationMs(text: string): number {
  const match = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/.exec(text);
  if (!match || text === 'P' || text.endsWith('T'))
    throw new Error(`not an ISO 8601 duration of days and time: ${text}`);
  const [days, hours, minutes, seconds] = match.slice(1).map((part) => Number(part ?? 0)) as [
    number,
    number,
    number,
    number,
  ];
  return ((days * 24 + hours) * 60 + minutes) * 60_000 + seconds * 1000;
}

/** The longest message time to live of the topic and its subscriptions, with where it is set. */
function longestTimeToLive(deployment: Deployment): { ms: number; where: string } | undefined {
  const entities = [
    ...ofType(deployment, 'Microsoft.ServiceBus/namespaces/topics'),
    ...ofType(deployment, 'Microsoft.ServiceBus/namespaces/topics/subscriptions'),
  ];
  let longest: { ms: number; where: string } | undefined;
  for (const entity of entities) {
    const ttl = props(entity)['defaultMessageTimeToLive'];
    if (typeof ttl !== 'string') continue;
    const ms = durationMs(ttl);
    if (!longest || ms > longest.ms) longest = { ms, where: `${entity.name} (${ttl})` };
  }
  return longest;
}

export function claimRetentionProblems(deployment: Deployment): string[] {
  const settings = deployedSettings(deployment);
  const container = settings['COSMOS_SYNC_CLAIM_CONTAINER'] ?? '';
  const days = Number(settings['COSMOS_SYNC_CLAIM_RETENTION_DAYS']);
  const problems: string[] = [];

  const containers = ofType(deployment, 'Microsoft.Storage/storageAccounts/blobServices/containers');
  if (!containers.some((c) => lastSegment(c.name) === container)) {
    problems.push(`claim container ${container} (COSMOS_SYNC_CLAIM_CONTAINER): not created`);
  }

  const rules = ofType(deployment, 'Microsoft.Storage/storageAccounts/managementPolicies').flatMap((policy) => {
    const listed = entry(props(policy)['policy'])['rules'];
    return Array.isArray(listed) ? listed.map(entry) : [];
  });
  const claimRules = rules.filter((rule) => {
    const filters = entry(entry(rule['definition'])['filters']);
    const prefixes = filters['prefixMatch'];
    return Array.isArray(prefixes) && prefixes.includes(`${container}/`);
  });
  if (claimRules.length !== 1) {
    problems.push(`lifecycle policy: expected one rule for prefix ${container}/, found ${claimRules.length}`);
  }
  for (const rule of claimRules) {
    const definition = entry(rule['definition']);
    const blobTypes = entry(definition['filters'])['blobTypes'];
    const after = entry(entry(entry(definition['actions'])['baseBlob'])['delete'])['daysAfterModificationGreaterThan'];
    if (rule['enabled'] !== true) problems.push(`lifecycle rule ${String(rule['name'])}: not enabled`);
    if (!Array.isArray(blobTypes) || !blobTypes.includes('blockBlob')) {
      problems.push(`lifecycle rule ${String(rule['name'])}: must apply to block blobs`);
    }
    if (after !== days) {
      problems.push(
        `lifecycle rule ${String(rule['name'])}: deletes after ${String(after)} days, ` +
          `COSMOS_SYNC_CLAIM_RETENTION_DAYS is ${days}`,
      );
    }
  }
  // Everything a rule matches is deleted: a prefix outside the claim container would delete someone else's blobs.
  for (const rule of rules) {
    const prefixes = entry(entry(rule['definition'])['filters'])['prefixMatch'];
    const outside = Array.isArray(prefixes) ? prefixes.filter((p) => !String(p).startsWith(`${container}/`)) : ['all'];
    if (outside.length > 0) {
      problems.push(
        `lifecycle rule ${String(rule['name'])}: matches ${outside.join(', ')}, outside the claim container`,
      );
    }
  }

  const ttl = longestTimeToLive(deployment);
  if (!ttl) problems.push('no message time to live found on the topic or its subscriptions');
  else if (!(days * DAY_MS > ttl.ms)) {
    problems.push(
      `COSMOS_SYNC_CLAIM_RETENTION_DAYS ${days}: not longer than the message time to live of ${ttl.where}, ` +
        'so a message could outlive the event it references',
    );
  }
  return problems;
}
