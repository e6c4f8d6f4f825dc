/**
 * Loading entities files in the official Service Bus emulator's Config.json format (no I/O besides one temp file).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { subscriptionFilterFor } from '../../shared/events/replay.js';
import { parseIsoDuration } from '../../local-stack/servicebus/config/durations.js';
import {
  DEFAULT_SERVICEBUS_CONFIG_PATH,
  loadEmulatorConfig,
  ServiceBusConfigError,
} from '../../local-stack/servicebus/index.js';

function config(namespace: Record<string, unknown>): unknown {
  return { UserConfig: { Namespaces: [{ Name: 'sbemulatorns', ...namespace }], Logging: { Type: 'Console' } } };
}

function issuesOf(input: unknown): string[] {
  try {
    loadEmulatorConfig(input);
  } catch (error) {
    if (error instanceof ServiceBusConfigError) return error.issues.map((issue) => `${issue.path}: ${issue.message}`);
    throw error;
  }
  throw new Error('expected the config to be refused');
}

describe('ISO-8601 durations', () => {
  it.each([
    ['PT1M', 60_000],
    ['PT20S', 20_000],
    ['PT0.5S', 500],
    ['P14D', 14 * 86_400_000],
    ['P1DT2H3M4S', 86_400_000 + 2 * 3_600_000 + 3 * 60_000 + 4_000],
    ['pt1m', 60_000],
  ])('reads %s', (text, milliseconds) => {
    expect(parseIsoDuration(text)).toBe(milliseconds);
  });

  it.each(['', 'P', 'PT', '1M', '00:01:00', 'PT1X', 'P1H'])('refuses %j', (text) => {
    expect(parseIsoDuration(text)).toBeUndefined();
  });
});

describe('loadEmulatorConfig', () => {
  it("reads the project's default file", () => {
    const parsed = loadEmulatorConfig(DEFAULT_SERVICEBUS_CONFIG_PATH);
    expect(parsed.namespace).toBe('sbemulatorns');
    expect(parsed.queues.map((queue) => queue.name)).toEqual(['smoke-queue']);
    const topic = parsed.topics[0];
    expect(topic?.settings).toEqual({
      defaultMessageTimeToLiveMs: 3_600_000,
      requiresDuplicateDetection: true,
      duplicateDetectionHistoryTimeWindowMs: 600_000,
    });
    // Store targets need no order (the version guard): their subscriptions have no sessions.
    expect(topic?.subscriptions[0]?.settings).toMatchObject({
      requiresSession: false,
      maxDeliveryCount: 10,
      deadLetteringOnMessageExpiration: true,
    });
    // Live events and replays addressed to this subscription only (shared/events/replay.ts).
    expect(topic?.subscriptions[0]?.rules[0]?.filter).toMatchObject({
      kind: 'sql',
      expression: subscriptionFilterFor(topic?.subscriptions[0]?.name ?? ''),
    });
  });

  it('reads a file path and the same content as an object alike', () => {
    const input = config({ Queues: [{ Name: 'orders', Properties: { LockDuration: 'PT45S' } }], Topics: [] });
    const path = join(mkdtempSync(join(tmpdir(), 'sb-config-')), 'Config.json');
    writeFileSync(path, JSON.stringify(input));
    expect(loadEmulatorConfig(path)).toEqual(loadEmulatorConfig(input));
  });

  it('fills in the emulator defaults', () => {
    const parsed = loadEmulatorConfig(
      config({ Queues: [{ Name: 'q' }], Topics: [{ Name: 't', Subscriptions: [{ Name: 's' }] }] }),
    );
    expect(parsed.queues[0]?.settings).toEqual({
      lockDurationMs: 60_000,
      maxDeliveryCount: 3,
      requiresSession: false,
      defaultMessageTimeToLiveMs: 3_600_000,
      deadLetteringOnMessageExpiration: false,
      forwardTo: undefined,
      forwardDeadLetteredMessagesTo: undefined,
      requiresDuplicateDetection: false,
      duplicateDetectionHistoryTimeWindowMs: 20_000,
    });
    // Without rules a subscription gets $Default, which matches everything, as in Service Bus.
    expect(parsed.topics[0]?.subscriptions[0]?.rules.map((rule) => rule.name)).toEqual(['$Default']);
  });

  it('reads correlation and SQL rules', () => {
    const parsed = loadEmulatorConfig(
      config({
        Topics: [
          {
            Name: 't',
            Subscriptions: [
              {
                Name: 's',
                Rules: [
                  {
                    Name: 'by-label',
                    Properties: {
                      FilterType: 'Correlation',
                      CorrelationFilter: {
                        Label: 'order',
                        ContentType: 'application/json',
                        Properties: { region: 'eu', priority: 5 },
                      },
                    },
                  },
                  {
                    Name: 'by-sql',
                    Properties: { FilterType: 'Sql', SqlFilter: { SqlExpression: "sys.To = 'x'" }, Action: {} },
                  },
                ],
              },
            ],
          },
        ],
      }),
    );
    expect(parsed.topics[0]?.subscriptions[0]?.rules).toEqual([
      {
        name: 'by-label',
        filter: {
          kind: 'correlation',
          correlation: { label: 'order', contentType: 'application/json', properties: { region: 'eu', priority: 5 } },
        },
      },
      {
        name: 'by-sql',
        filter: {
          kind: 'sql',
          expression: "sys.To = 'x'",
          predicate: {
            kind: 'compare',
            operator: '=',
            left: { kind: 'property', scope: 'sys', name: 'To' },
            right: { kind: 'literal', value: 'x' },
          },
        },
      },
    ]);
  });

  it('names the bad field and the expected form', () => {
    expect(issuesOf(config({ Queues: [{ Name: 'orders', Properties: { LockDuration: '1 minute' } }] }))).toEqual([
      'UserConfig.Namespaces[0](sbemulatorns).Queues[0](orders).Properties.LockDuration: expected an ISO-8601 duration such as "PT1M", "PT30S" or "P14D", got "1 minute"',
    ]);
    expect(issuesOf(config({ Queues: [{ Name: 'orders', Properties: { MaxDeliveryCount: 0 } }] }))[0]).toMatch(
      /Queues\[0\]\(orders\)\.Properties\.MaxDeliveryCount: expected a whole number of at least 1/,
    );
    expect(issuesOf(config({ Queues: [{ Name: 'orders', Properties: { RequiresSession: 'yes' } }] }))[0]).toMatch(
      /Properties\.RequiresSession: expected true or false/,
    );
  });

  it('refuses misspelt fields instead of silently using defaults', () => {
    expect(issuesOf(config({ Queues: [{ Name: 'orders', Properties: { LockDurration: 'PT1M' } }] }))).toEqual([
      'UserConfig.Namespaces[0](sbemulatorns).Queues[0](orders).Properties.LockDurration: unknown field; check the spelling against the emulator Config.json format',
    ]);
  });

  it('refuses structural problems', () => {
    expect(issuesOf({})).toEqual(['UserConfig: required (an object with Namespaces)']);
    expect(issuesOf({ UserConfig: { Namespaces: [] } })[0]).toMatch(/Namespaces: expected exactly one namespace/);
    expect(issuesOf(config({ Queues: [{ Properties: {} }] }))[0]).toMatch(/Queues\[0\]\.Name: required/);
    expect(issuesOf(config({ Queues: [{ Name: '-bad' }] }))[0]).toMatch(/Name: expected letters, digits/);
    expect(issuesOf(config({ Topics: [{ Name: 't' }] }))[0]).toMatch(/Topics\[0\]\(t\)\.Subscriptions: required/);
  });

  it('refuses duplicate names, case-insensitively, and unknown forwarding targets', () => {
    expect(issuesOf(config({ Queues: [{ Name: 'Orders' }, { Name: 'orders' }] }))[0]).toMatch(
      /Queues\[1\]\(orders\)\.Name: duplicate queue or topic name/,
    );
    expect(issuesOf(config({ Queues: [{ Name: 'q', Properties: { ForwardTo: 'missing' } }] }))[0]).toMatch(
      /Properties\.ForwardTo: no queue or topic named "missing"/,
    );
  });

  it('refuses rules it cannot honour: bad SQL, unsupported syntax and rule actions', () => {
    const rule = (properties: Record<string, unknown>) =>
      config({
        Topics: [{ Name: 't', Subscriptions: [{ Name: 's', Rules: [{ Name: 'r', Properties: properties }] }] }],
      });
    expect(issuesOf(rule({ FilterType: 'Sql', SqlFilter: { SqlExpression: "sys.Label = 'x' AND" } }))[0]).toMatch(
      /Rules\[0\]\(r\)\.Properties\.SqlFilter\.SqlExpression: invalid SQL filter: expected a constant or a property name, found the end of the expression/,
    );
    expect(issuesOf(rule({ FilterType: 'Sql', SqlFilter: { SqlExpression: 'amount * 2 > 10' } }))[0]).toMatch(
      /arithmetic operators/,
    );
    expect(issuesOf(rule({ FilterType: 'Sql', SqlFilter: { SqlExpression: 'sys.DeliveryCount > 1' } }))[0]).toMatch(
      /sys\.DeliveryCount is not supported by the local broker/,
    );
    expect(
      issuesOf(
        rule({
          FilterType: 'Sql',
          SqlFilter: { SqlExpression: '1=1' },
          Action: { SqlExpression: "SET priority = 'high'" },
        }),
      )[0],
    ).toMatch(
      /Properties\.Action\.SqlExpression: rule actions \(SqlRuleAction\) are not supported by the local broker/,
    );
    expect(issuesOf(rule({ FilterType: 'Correlation' }))[0]).toMatch(
      /CorrelationFilter: required when FilterType is "Correlation"/,
    );
    expect(issuesOf(rule({ FilterType: 'Correlation', CorrelationFilter: {} }))[0]).toMatch(/needs at least one field/);
    expect(issuesOf(rule({ FilterType: 'Regex' }))[0]).toMatch(/FilterType: expected "Correlation" or "Sql"/);
  });

  it('explains unreadable files', () => {
    expect(() => loadEmulatorConfig('/does/not/exist.json')).toThrow(
      /\/does\/not\/exist\.json[\s\S]*cannot read the file/,
    );
    const path = join(mkdtempSync(join(tmpdir(), 'sb-config-')), 'broken.json');
    writeFileSync(path, '{ "UserConfig": ');
    expect(() => loadEmulatorConfig(path)).toThrow(/not valid JSON/);
  });
});
