/**
 * The claim check's retention in Azure, checked offline: infra/main.bicep's lifecycle policy deletes claim blobs after
 * the app's COSMOS_SYNC_CLAIM_RETENTION_DAYS, which is longer than the subscriptions' message time to live, and the
 * template's defaults are the app's. The last block shows each check failing on a drifted deployment.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { settingsSchema } from '../../shared/config/settings.js';
import type { Deployment } from './bicep/index.js';
import { claimRetentionProblems, durationMs } from './claim-retention-checks.js';
import { deploy, ofType, readJson, INFRA, type PipelineList } from './deployment.js';

const appDefault = (
  name: 'COSMOS_SYNC_CLAIM_CONTAINER' | 'COSMOS_SYNC_CLAIM_RETENTION_DAYS' | 'COSMOS_SYNC_CLAIM_MAX_BYTES',
) => settingsSchema.shape[name].parse(undefined);

describe('the claim check in infra/main.bicep', () => {
  let deployment: Deployment;
  beforeAll(async () => {
    deployment = await deploy();
  });

  it('creates the claim container and a lifecycle rule that expires it after the retention, longer than the TTL', () => {
    expect(claimRetentionProblems(deployment)).toEqual([]);
    const [policy] = ofType(deployment, 'Microsoft.Storage/storageAccounts/managementPolicies');
    expect(policy?.body['properties']).toEqual({
      policy: {
        rules: [
          {
            name: 'expire-claim-checks',
            enabled: true,
            type: 'Lifecycle',
            definition: {
              filters: { blobTypes: ['blockBlob'], prefixMatch: ['cosmos-sync-claims/'] },
              actions: { baseBlob: { delete: { daysAfterModificationGreaterThan: 30 } } },
            },
          },
        ],
      },
    });
  });

  it('defaults to the app’s own defaults', () => {
    expect({
      claimContainerName: deployment.params['claimContainerName'],
      claimRetentionDays: deployment.params['claimRetentionDays'],
      claimMaxBytes: deployment.params['claimMaxBytes'],
    }).toEqual({
      claimContainerName: appDefault('COSMOS_SYNC_CLAIM_CONTAINER'),
      claimRetentionDays: appDefault('COSMOS_SYNC_CLAIM_RETENTION_DAYS'),
      claimMaxBytes: appDefault('COSMOS_SYNC_CLAIM_MAX_BYTES'),
    });
  });

  it('holds with every target type and other values', async () => {
    const allTargets = readJson<PipelineList>(INFRA('examples/pipeline.all-targets.json'));
    const other = await deploy({ pipeline: allTargets, claimContainerName: 'big-events', claimRetentionDays: 90 });
    expect(claimRetentionProblems(other)).toEqual([]);
  });

  it('refuses a retention the subscriptions’ time to live could outlast', async () => {
    await expect(deploy({ claimRetentionDays: 14 })).rejects.toThrow(/14 is below 15/);
  });
});

describe('the claim retention checks fail when the template drifts', () => {
  let deployment: Deployment;
  beforeAll(async () => {
    deployment = await deploy();
  });
  const policyRule = (copy: Deployment) => {
    const [policy] = ofType(copy, 'Microsoft.Storage/storageAccounts/managementPolicies');
    const rules = (policy?.body['properties'] as { policy: { rules: Record<string, unknown>[] } }).policy.rules;
    return rules[0] as { definition: { filters: { prefixMatch: string[] }; actions: Record<string, unknown> } };
  };

  it('a rule deleting after another number of days than the setting', () => {
    const copy = structuredClone(deployment);
    policyRule(copy).definition.actions = { baseBlob: { delete: { daysAfterModificationGreaterThan: 7 } } };
    expect(claimRetentionProblems(copy)).toEqual([
      'lifecycle rule expire-claim-checks: deletes after 7 days, COSMOS_SYNC_CLAIM_RETENTION_DAYS is 30',
    ]);
  });

  it('no rule, or one that also matches the quarantine container', () => {
    const none = {
      ...deployment,
      resources: deployment.resources.filter((r) => !r.type.endsWith('/managementPolicies')),
    };
    expect(claimRetentionProblems(none)).toEqual([
      'lifecycle policy: expected one rule for prefix cosmos-sync-claims/, found 0',
    ]);
    const copy = structuredClone(deployment);
    policyRule(copy).definition.filters.prefixMatch.push('cosmos-sync-quarantine/');
    expect(claimRetentionProblems(copy)).toEqual([
      'lifecycle rule expire-claim-checks: matches cosmos-sync-quarantine/, outside the claim container',
    ]);
  });

  it('a subscription time to live as long as the retention', () => {
    const copy = structuredClone(deployment);
    const [subscription] = ofType(copy, 'Microsoft.ServiceBus/namespaces/topics/subscriptions');
    (subscription?.body['properties'] as Record<string, unknown>)['defaultMessageTimeToLive'] = 'P30D';
    expect(claimRetentionProblems(copy)).toEqual([
      `COSMOS_SYNC_CLAIM_RETENTION_DAYS 30: not longer than the message time to live of ${subscription?.name} ` +
        '(P30D), so a message could outlive the event it references',
    ]);
  });

  it('the claim container not created', () => {
    const copy = {
      ...deployment,
      resources: deployment.resources.filter(
        (r) => !(r.type.endsWith('/containers') && r.name.endsWith('/cosmos-sync-claims')),
      ),
    };
    expect(claimRetentionProblems(copy)).toEqual([
      'claim container cosmos-sync-claims (COSMOS_SYNC_CLAIM_CONTAINER): not created',
    ]);
  });

  it('reads time to live as Service Bus writes it', () => {
    expect([durationMs('P14D'), durationMs('PT1H'), durationMs('P1DT2H3M4.5S')]).toEqual([
      14 * 86_400_000,
      3_600_000,
      ((24 + 2) * 60 + 3) * 60_000 + 4_500,
    ]);
    expect(() => durationMs('P1W')).toThrow(/not an ISO 8601 duration/);
  });
});
