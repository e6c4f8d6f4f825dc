/**
 * The rule every target subscription carries is one text, written in three places: `subscriptionFilterFor` in
 * shared/events/replay.ts (what the code and the docs mean), the `subscriptionFilter` function of
 * infra/modules/servicebus.bicep (what Azure gets) and the local broker's configuration (what `npm start` and the tests
 * get). These checks run offline and fail as soon as one of them says something else.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { subscriptionFilterFor } from '../../shared/events/replay.js';
import { parseSqlFilter } from '../../local-stack/servicebus/filters/sql-parser.js';
import { evaluateTemplate, type Deployment } from './bicep/index.js';
import { INFRA, lastSegment, ofType, readJson, ROOT } from './deployment.js';
import { localRuleTexts, type LocalServiceBusConfig } from './resource-checks.js';

interface SampleTarget {
  name: string;
  subscription: string;
  sources?: string[];
  ordered?: boolean;
}

/** Targets as a pipeline.json lists them: without sources, with one, with several, ordered, and awkward names. */
const SAMPLE_TARGETS: SampleTarget[] = [
  { name: 'copy', subscription: 'cosmos-target' },
  { name: 'pg', subscription: 'postgres-target', sources: ['orders'] },
  { name: 'cache', subscription: 'redis-target', sources: ['orders', 'customers'] },
  { name: 'hook', subscription: 'webhook-ordered', ordered: true },
  { name: 'dotted', subscription: 'team.a/sub_1', sources: ['orders.v2'] },
  // Not a valid Service Bus entity name, but it shows that both sides double a quote the same way.
  { name: 'quoted', subscription: "o'brien", sources: ["it's"] },
];

function moduleParams(targets: readonly SampleTarget[]): Record<string, unknown> {
  return {
    name: 'sb-ci',
    location: 'westeurope',
    tags: {},
    sku: 'Standard',
    premiumCapacity: 1,
    topicName: 'cosmos-sync-events',
    targets,
    principalId: '66666666-7777-8888-9999-000000000000',
    readBacklogCounts: false,
  };
}

const evaluateServiceBusModule = (targets: readonly SampleTarget[]): Promise<Deployment> =>
  evaluateTemplate(INFRA('modules/servicebus.bicep'), moduleParams(targets));

/** Subscription name → the SQL text of its `$Default` rule, as the template deploys it. */
function bicepRules(deployment: Deployment): Map<string, unknown> {
  const rules = ofType(deployment, 'Microsoft.ServiceBus/namespaces/topics/subscriptions/rules');
  return new Map(
    rules
      .filter((rule) => lastSegment(rule.name) === '$Default')
      .map((rule) => {
        const properties = rule.body['properties'] as { filterType?: unknown; sqlFilter?: { sqlExpression?: unknown } };
        const text = properties.filterType === 'SqlFilter' ? properties.sqlFilter?.sqlExpression : undefined;
        return [rule.name.split('/').slice(2, -1).join('/'), text];
      }),
  );
}

/** One line per target whose deployed rule is not exactly subscriptionFilterFor(subscription, sources). */
function ruleMismatches(deployment: Deployment, targets: readonly SampleTarget[]): string[] {
  const rules = bicepRules(deployment);
  return targets.flatMap((target) => {
    const expected = subscriptionFilterFor(target.subscription, target.sources);
    const actual = rules.get(target.subscription);
    return actual === expected
      ? []
      : [`${target.subscription}: ${JSON.stringify(actual)} != ${JSON.stringify(expected)}`];
  });
}

describe('the subscription rule in infra/modules/servicebus.bicep', () => {
  it('gives every target subscription a $Default rule whose text is subscriptionFilterFor(subscription, sources)', async () => {
    const deployment = await evaluateServiceBusModule(SAMPLE_TARGETS);
    expect([...bicepRules(deployment).keys()]).toEqual(SAMPLE_TARGETS.map((target) => target.subscription));
    expect(ruleMismatches(deployment, SAMPLE_TARGETS)).toEqual([]);
  });

  it('treats an empty sources list like none', async () => {
    const targets = [{ name: 'x', subscription: 'x-sub', sources: [] }];
    expect(ruleMismatches(await evaluateServiceBusModule(targets), targets)).toEqual([]);
  });

  it('fails for a template whose rule says something else', async () => {
    // The template as it was before replays: only targets with sources got a rule, and that rule had no replay part.
    const dir = mkdtempSync(join(tmpdir(), 'replay-rules-'));
    try {
      const drifted = readFileSync(INFRA('modules/servicebus.bicep'), 'utf8').replace(
        "'replayTo IS NULL OR replayTo = ${sqlLiteral(subscription)}' :",
        "'1=1' :",
      );
      writeFileSync(join(dir, 'servicebus.bicep'), drifted);
      const deployment = await evaluateTemplate(join(dir, 'servicebus.bicep'), moduleParams(SAMPLE_TARGETS));
      expect(ruleMismatches(deployment, SAMPLE_TARGETS)).toEqual([
        `cosmos-target: "1=1" != "replayTo IS NULL OR replayTo = 'cosmos-target'"`,
        `webhook-ordered: "1=1" != "replayTo IS NULL OR replayTo = 'webhook-ordered'"`,
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('writes texts the SQL filter grammar accepts', () => {
    for (const target of SAMPLE_TARGETS) {
      expect(() => parseSqlFilter(subscriptionFilterFor(target.subscription, target.sources))).not.toThrow();
    }
  });
});

describe('the subscription rules of the local broker (local-stack/servicebus/servicebus.config.json)', () => {
  const config = readJson<LocalServiceBusConfig>(ROOT('local-stack/servicebus/servicebus.config.json'));
  const topic = config.UserConfig.Namespaces[0]?.Topics.find((t) => t.Name === 'cosmos-sync-events');

  it('gives every subscription of the events topic exactly the rule subscriptionFilterFor(name)', () => {
    expect(topic?.Subscriptions.length).toBeGreaterThan(0);
    for (const subscription of topic?.Subscriptions ?? []) {
      expect([subscription.Name, localRuleTexts(subscription.Rules ?? [])]).toEqual([
        subscription.Name,
        [subscriptionFilterFor(subscription.Name)],
      ]);
    }
  });
});
