import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../shared/config/load.js';
import { SETTING_NAMES } from '../../../shared/config/settings.js';
import { configProblemsOf } from '../../support/config-problems.js';

const sample = JSON.parse(readFileSync(new URL('../../../local.settings.sample.json', import.meta.url), 'utf8')) as {
  Values: Record<string, string>;
};

const minimal = {
  ServiceBus: 'Endpoint=sb://127.0.0.1:5673;SharedAccessKeyName=k;SharedAccessKey=v;UseDevelopmentEmulator=true;',
  AzureWebJobsStorage: 'UseDevelopmentStorage=true',
  CosmosSource: 'AccountEndpoint=http://127.0.0.1:8081/;AccountKey=a2V5;',
  COSMOS_SYNC_SOURCES: JSON.stringify([
    { name: 'orders', database: 'shop', container: 'orders', partitionKeyPaths: ['/customerId'] },
  ]),
};

const problemsOf = configProblemsOf;

describe('local.settings.sample.json', () => {
  it('parses and sets every setting the schema declares', () => {
    const config = parseConfig(sample.Values);
    expect(config.sources.map((source) => source.name)).toEqual(['orders']);
    expect(config.targets.map((target) => target.type)).toEqual(['cosmos']);
    const missing = SETTING_NAMES.filter((name) => !(name in sample.Values));
    expect(missing).toEqual([]);
  });
});

describe('parseConfig', () => {
  it('fills safe defaults', () => {
    const config = parseConfig(minimal);
    expect(config.settings).toMatchObject({
      COSMOS_SYNC_TOPIC: 'cosmos-sync-events',
      COSMOS_SYNC_SESSION_BUCKETS: 64,
      COSMOS_SYNC_TARGETS: [],
    });
    expect(config.sources[0]).toMatchObject({
      connection: 'CosmosSource',
      changeFeedMode: 'LatestVersion',
      softDelete: { field: '_deleted', value: true },
      leaseContainer: 'leases',
      maxItemsPerInvocation: 500,
      feedPollDelayMs: 1000,
      startFrom: 'beginning',
    });
  });

  it('reads the metrics settings: switch, retention, partial thresholds over the defaults, empty App Insights', () => {
    const config = parseConfig({
      ...minimal,
      COSMOS_SYNC_METRICS_ENABLED: 'FALSE',
      COSMOS_SYNC_METRICS_RETENTION_DAYS: '0',
      COSMOS_SYNC_HEALTH_THRESHOLDS: '{"backlog":{"degraded":5,"failing":50}}',
      APPLICATIONINSIGHTS_CONNECTION_STRING: '',
    });
    expect(config.settings).toMatchObject({
      COSMOS_SYNC_METRICS_ENABLED: false,
      COSMOS_SYNC_METRICS_RETENTION_DAYS: 0,
      COSMOS_SYNC_HEALTH_THRESHOLDS: {
        backlog: { degraded: 5, failing: 50 },
        lagSeconds: { degraded: 60, failing: 600 },
        deadLettered: { degraded: 1, failing: 1000 },
        errorRate: { degraded: 0.01, failing: 0.1 },
      },
    });
    expect(config.settings.APPLICATIONINSIGHTS_CONNECTION_STRING).toBeUndefined();
    expect(parseConfig(minimal).settings).toMatchObject({
      COSMOS_SYNC_METRICS_ENABLED: true,
      COSMOS_SYNC_METRICS_RETENTION_DAYS: 30,
    });
  });

  it('accepts identity-based connections and reads the client id', () => {
    const config = parseConfig({
      ...minimal,
      ServiceBus: undefined,
      ServiceBus__fullyQualifiedNamespace: 'ns.servicebus.windows.net',
      ServiceBus__credential: 'managedidentity',
      ServiceBus__clientId: 'abc',
    });
    expect(config.connections.get('ServiceBus')).toEqual({
      kind: 'identity',
      setting: 'ServiceBus',
      endpoint: 'ns.servicebus.windows.net',
      clientId: 'abc',
    });
  });

  it.each<[string, Record<string, string | undefined>, RegExp]>([
    ['a missing source list', { COSMOS_SYNC_SOURCES: undefined }, /^COSMOS_SYNC_SOURCES: .*expected string/],
    ['an empty source list', { COSMOS_SYNC_SOURCES: '[]' }, /^COSMOS_SYNC_SOURCES: expected at least one source/],
    [
      'sources that are not JSON',
      { COSMOS_SYNC_SOURCES: '{name:' },
      /^COSMOS_SYNC_SOURCES: not valid JSON .*expected e\.g\./,
    ],
    [
      'a source without container',
      { COSMOS_SYNC_SOURCES: '[{"name":"a","database":"d","partitionKeyPaths":["/p"]}]' },
      /^COSMOS_SYNC_SOURCES\[0\]\.container: /,
    ],
    [
      'a bad partition key path',
      { COSMOS_SYNC_SOURCES: '[{"name":"a","database":"d","container":"c","partitionKeyPaths":["p"]}]' },
      /^COSMOS_SYNC_SOURCES\[0\]\.partitionKeyPaths\[0\]: expected a path like "\/customerId"/,
    ],
    [
      'all-versions mode starting from the beginning',
      {
        COSMOS_SYNC_SOURCES:
          '[{"name":"a","database":"d","container":"c","partitionKeyPaths":["/p"],"changeFeedMode":"AllVersionsAndDeletes"}]',
      },
      /^COSMOS_SYNC_SOURCES\[0\]\.startFrom: AllVersionsAndDeletes can only start from "now"/,
    ],
    [
      'an unknown change feed mode',
      {
        COSMOS_SYNC_SOURCES:
          '[{"name":"a","database":"d","container":"c","partitionKeyPaths":["/p"],"changeFeedMode":"Full"}]',
      },
      /^COSMOS_SYNC_SOURCES\[0\]\.changeFeedMode: /,
    ],
    [
      'a metrics switch that is not a boolean',
      { COSMOS_SYNC_METRICS_ENABLED: 'yes' },
      /^COSMOS_SYNC_METRICS_ENABLED: expected true or false/,
    ],
    [
      'a negative retention',
      { COSMOS_SYNC_METRICS_RETENTION_DAYS: '-1' },
      /^COSMOS_SYNC_METRICS_RETENTION_DAYS: expected a whole number from 0 to 3650/,
    ],
    [
      'thresholds that are not JSON',
      { COSMOS_SYNC_HEALTH_THRESHOLDS: 'lag=60' },
      /^COSMOS_SYNC_HEALTH_THRESHOLDS: not valid JSON .*expected e\.g\./,
    ],
    [
      'a failing threshold below the degraded one',
      { COSMOS_SYNC_HEALTH_THRESHOLDS: '{"lagSeconds":{"degraded":60,"failing":10}}' },
      /^COSMOS_SYNC_HEALTH_THRESHOLDS\.lagSeconds: expected failing >= degraded/,
    ],
    [
      'an unknown threshold',
      { COSMOS_SYNC_HEALTH_THRESHOLDS: '{"lag":{"degraded":1,"failing":2}}' },
      /^COSMOS_SYNC_HEALTH_THRESHOLDS: .*lag/,
    ],
    [
      'an error rate above 1',
      { COSMOS_SYNC_HEALTH_THRESHOLDS: '{"errorRate":{"degraded":0.5,"failing":2}}' },
      /^COSMOS_SYNC_HEALTH_THRESHOLDS\.errorRate\.failing: /,
    ],
    [
      'an admin endpoint that is not a URL',
      { ServiceBus__adminEndpoint: 'localhost:5300' },
      /^ServiceBus__adminEndpoint: expected an absolute URL|^ServiceBus__adminEndpoint: expected an http/,
    ],
    [
      'an admin endpoint with a real namespace',
      {
        ServiceBus: 'Endpoint=sb://x.servicebus.windows.net/;SharedAccessKeyName=k;SharedAccessKey=v',
        ServiceBus__adminEndpoint: 'http://127.0.0.1:5300',
      },
      /^ServiceBus__adminEndpoint: only for a local broker/,
    ],
    [
      'a malformed Application Insights connection string',
      { APPLICATIONINSIGHTS_CONNECTION_STRING: 'hello' },
      /^APPLICATIONINSIGHTS_CONNECTION_STRING: expected "Key=value" pairs/,
    ],
    [
      'an Application Insights key that is not a GUID',
      { APPLICATIONINSIGHTS_CONNECTION_STRING: 'InstrumentationKey=abc;IngestionEndpoint=https://x/' },
      /^APPLICATIONINSIGHTS_CONNECTION_STRING: expected InstrumentationKey=<GUID>/,
    ],
    [
      'a non-numeric bucket count',
      { COSMOS_SYNC_SESSION_BUCKETS: 'many' },
      /^COSMOS_SYNC_SESSION_BUCKETS: expected a whole number from 1 to 4096/,
    ],
    ['a zero bucket count', { COSMOS_SYNC_SESSION_BUCKETS: '0' }, /^COSMOS_SYNC_SESSION_BUCKETS: /],
    ['a bad topic name', { COSMOS_SYNC_TOPIC: '-x' }, /^COSMOS_SYNC_TOPIC: expected a Service Bus topic name/],
    [
      'a five-field schedule',
      { COSMOS_SYNC_METRICS_SCHEDULE: '*/1 * * * *' },
      /^COSMOS_SYNC_METRICS_SCHEDULE: expected a six-field NCRONTAB/,
    ],
    ['an unknown log level', { COSMOS_SYNC_LOG_LEVEL: 'verbose' }, /^COSMOS_SYNC_LOG_LEVEL: /],
    [
      'an unknown target type',
      { COSMOS_SYNC_TARGETS: '[{"name":"t","type":"kafka","subscription":"s"}]' },
      /^COSMOS_SYNC_TARGETS\[0\]\.type: /,
    ],
    [
      'a webhook over plain http to a remote host',
      { COSMOS_SYNC_TARGETS: '[{"name":"w","type":"webhook","subscription":"s","url":"http://example.com/hook"}]' },
      /^COSMOS_SYNC_TARGETS\[0\]\.url: /,
    ],
    [
      'a webhook without its secret',
      { COSMOS_SYNC_TARGETS: '[{"name":"w","type":"webhook","subscription":"s","url":"https://example.com/hook"}]' },
      /^COSMOS_SYNC_WEBHOOK_SECRET: missing/,
    ],
    [
      'a PostgreSQL target without its connection',
      { COSMOS_SYNC_TARGETS: '[{"name":"p","type":"postgres","subscription":"s"}]' },
      /^PostgresTarget: missing; set PostgresTarget to a connection string such as postgres:\/\//,
    ],
    [
      'a Redis target with an unusable key template',
      {
        RedisTarget: 'redis://127.0.0.1:6379',
        COSMOS_SYNC_TARGETS: '[{"name":"r","type":"redis","subscription":"s","keyTemplate":"static"}]',
      },
      /^COSMOS_SYNC_TARGETS\[0\]\.keyTemplate: /,
    ],
    [
      'a blob target with a bad container name',
      { COSMOS_SYNC_TARGETS: '[{"name":"b","type":"blob","subscription":"s","container":"Bad_Name"}]' },
      /^COSMOS_SYNC_TARGETS\[0\]\.container: expected a blob container name/,
    ],
    [
      'a missing Service Bus connection',
      { ServiceBus: undefined },
      /^ServiceBus: missing; set ServiceBus to a connection string .* or ServiceBus__fullyQualifiedNamespace/,
    ],
    ['a missing source connection', { CosmosSource: '  ' }, /^CosmosSource: missing; .*CosmosSource__accountEndpoint/],
    [
      'an unsupported credential',
      { CosmosSource: undefined, CosmosSource__accountEndpoint: 'https://a', CosmosSource__credential: 'password' },
      /^CosmosSource__credential: expected "managedidentity"/,
    ],
  ])('rejects %s, naming the setting', (_label, overrides, expected) => {
    const problems = problemsOf({ ...minimal, ...overrides });
    expect(problems.some((problem) => expected.test(problem))).toBe(true);
  });

  it('rejects duplicate names and targets that name unknown sources, reporting all problems at once', () => {
    const source = { name: 'Orders', database: 'd', container: 'c', partitionKeyPaths: ['/p'] };
    const problems = problemsOf({
      ...minimal,
      COSMOS_SYNC_SOURCES: JSON.stringify([source, { ...source, name: 'orders' }]),
      COSMOS_SYNC_TARGETS: JSON.stringify([
        { name: 't', type: 'cosmos', subscription: 's', database: 'd', container: 'c2', sources: ['nope'] },
      ]),
      CosmosTarget: undefined,
    });
    expect(problems).toEqual([
      'COSMOS_SYNC_SOURCES: the name "orders" is used twice (names must be unique, ignoring case)',
      'COSMOS_SYNC_TARGETS[0].sources: unknown source "nope"',
      expect.stringMatching(/^CosmosTarget: missing/),
    ]);
  });

  it('puts every problem in the error message', () => {
    expect(() => parseConfig({ COSMOS_SYNC_SESSION_BUCKETS: 'x' })).toThrow(
      /invalid configuration:\n {2}COSMOS_SYNC_SOURCES: .*\n {2}COSMOS_SYNC_SESSION_BUCKETS: /,
    );
  });
});
