/**
 * Bad settings, one row each, and the start-up problem that names them (docs/bad-inputs.md, "Settings"). Every one of
 * these stops the app before it reads or writes anything: parseConfig throws a ConfigError listing every problem.
 */
import { describe, expect, it } from 'vitest';
import { backlogProblemFrom } from '../../shared/metrics/backlog.js';
import { configProblemsOf } from '../support/config-problems.js';

const base: Record<string, string> = {
  ServiceBus: 'Endpoint=sb://127.0.0.1:5673;SharedAccessKeyName=k;SharedAccessKey=v;UseDevelopmentEmulator=true;',
  AzureWebJobsStorage: 'UseDevelopmentStorage=true',
  CosmosSource: 'AccountEndpoint=http://127.0.0.1:8081/;AccountKey=a2V5;',
  CosmosTarget: 'AccountEndpoint=http://127.0.0.1:8081/;AccountKey=a2V5;',
  PostgresTarget: 'postgres://127.0.0.1:5432/test',
  RedisTarget: 'redis://127.0.0.1:6379',
  COSMOS_SYNC_WEBHOOK_SECRET: 'a-test-secret-that-is-long-enough-0123456789',
  COSMOS_SYNC_SOURCES: JSON.stringify([
    { name: 'orders', database: 'shop', container: 'orders', partitionKeyPaths: ['/customerId'] },
  ]),
};
const copy = { name: 'copy', type: 'cosmos', subscription: 'cosmos-target', database: 'shop', container: 'copy' };
const withTargets = (...targets: unknown[]) => ({ ...base, COSMOS_SYNC_TARGETS: JSON.stringify(targets) });
const withSource = (extra: Record<string, unknown>) => ({
  ...base,
  COSMOS_SYNC_SOURCES: JSON.stringify([
    { name: 'orders', database: 'shop', container: 'orders', partitionKeyPaths: ['/customerId'], ...extra },
  ]),
});

describe('bad settings stop the app with the setting named', () => {
  it.each<[string, Record<string, string | undefined>, RegExp]>([
    [
      'sources that are not JSON',
      { ...base, COSMOS_SYNC_SOURCES: '[{name:' },
      /^COSMOS_SYNC_SOURCES: not valid JSON \(.+\); expected e\.g\. \[\{"name":"orders"/,
    ],
    [
      'targets that are not JSON (a trailing comma)',
      { ...base, COSMOS_SYNC_TARGETS: '[{"name":"x",}]' },
      /^COSMOS_SYNC_TARGETS: not valid JSON \(.+\); expected e\.g\./,
    ],
    ['no sources setting', { ...base, COSMOS_SYNC_SOURCES: undefined }, /^COSMOS_SYNC_SOURCES: .*expected string/],
    ['an empty source list', { ...base, COSMOS_SYNC_SOURCES: '[]' }, /^COSMOS_SYNC_SOURCES: expected at least one/],
    [
      'targets as an object, not an array',
      { ...base, COSMOS_SYNC_TARGETS: '{"name":"x"}' },
      /^COSMOS_SYNC_TARGETS: .*expected array/,
    ],
    [
      'an unknown target type',
      withTargets({ ...copy, type: 'kafka' }),
      /^COSMOS_SYNC_TARGETS\[0\]\.type: .*'cosmos' \| 'postgres' \| 'redis' \| 'blob' \| 'webhook'/,
    ],
    [
      'a target without type',
      withTargets({ name: 'x', subscription: 's' }),
      /^COSMOS_SYNC_TARGETS\[0\]\.type: .*'cosmos'/,
    ],
    [
      'duplicate target names (ignoring case)',
      withTargets(copy, { ...copy, name: 'COPY', subscription: 'other' }),
      /^COSMOS_SYNC_TARGETS: the name "COPY" is used twice/,
    ],
    [
      'duplicate source names',
      {
        ...base,
        COSMOS_SYNC_SOURCES: JSON.stringify([
          { name: 'orders', database: 'shop', container: 'a', partitionKeyPaths: ['/c'] },
          { name: 'orders', database: 'shop', container: 'b', partitionKeyPaths: ['/c'] },
        ]),
      },
      /^COSMOS_SYNC_SOURCES: the name "orders" is used twice/,
    ],
    [
      'two targets on one subscription (each would get part of the events)',
      withTargets(copy, { ...copy, name: 'copy2' }),
      /^COSMOS_SYNC_TARGETS: targets "copy", "copy2" all read subscription "cosmos-target"; give each target its own/,
    ],
    [
      'a target that follows an unknown source',
      withTargets({ ...copy, sources: ['nope'] }),
      /^COSMOS_SYNC_TARGETS\[0\]\.sources: unknown source "nope"/,
    ],
    [
      'a misspelt target field: maxAttempts for retryAttempts',
      withTargets({ name: 'hook', type: 'webhook', subscription: 'w', url: 'https://h.example/x', maxAttempts: 5 }),
      /^COSMOS_SYNC_TARGETS\[0\]: unknown key "maxAttempts"; known keys: name, .*retryAttempts/,
    ],
    [
      'a misspelt Cosmos target field (case)',
      withTargets({ ...copy, partitionkeyPath: '/pk' }),
      /^COSMOS_SYNC_TARGETS\[0\]: unknown key "partitionkeyPath"; known keys: .*partitionKeyPath/,
    ],
    [
      'misspelt source fields',
      withSource({ partitionKeyPath: '/c', maxItems: 3 }),
      /^COSMOS_SYNC_SOURCES\[0\]: unknown keys "partitionKeyPath", "maxItems"; known keys: .*maxItemsPerInvocation/,
    ],
    [
      'a misspelt soft-delete marker field',
      withSource({ softDelete: { field: '_deleted', val: true } }),
      /^COSMOS_SYNC_SOURCES\[0\]\.softDelete: .*unknown key "val"; known keys: field, value/,
    ],
    [
      'a misspelt projection column field',
      withTargets({
        name: 'pg',
        type: 'postgres',
        subscription: 'p',
        columns: [{ column: 'total', path: 'total', typ: 'numeric' }],
      }),
      /^COSMOS_SYNC_TARGETS\[0\]\.columns\[0\]: unknown key "typ"; known keys: column, path, type/,
    ],
    [
      'a misspelt health threshold',
      { ...base, COSMOS_SYNC_HEALTH_THRESHOLDS: '{"lag":{"degraded":1,"failing":2}}' },
      /^COSMOS_SYNC_HEALTH_THRESHOLDS: Unrecognized key: "lag"/,
    ],
    [
      'a Service Bus connection string with a typo (Endpiont)',
      { ...base, ServiceBus: 'Endpiont=sb://127.0.0.1:5673;SharedAccessKeyName=k;SharedAccessKey=v' },
      /^ServiceBus: expected "Endpoint=sb:\/\/.*" \(found keys: endpiont, sharedaccesskeyname, sharedaccesskey\)$/,
    ],
    [
      'a Cosmos connection string with a typo (AccountEndpont)',
      { ...base, CosmosSource: 'AccountEndpont=http://127.0.0.1:8081/;AccountKey=a2V5;' },
      /^CosmosSource: expected "AccountEndpoint=https:\/\/.*" \(found keys: accountendpont, accountkey\)$/,
    ],
    [
      'a Cosmos connection string without its key',
      { ...base, CosmosSource: 'AccountEndpoint=http://127.0.0.1:8081/;' },
      /^CosmosSource: expected "AccountEndpoint=.*" \(found keys: accountendpoint\)$/,
    ],
    [
      'a storage connection string with a typo (UseDevelopmentStorge)',
      { ...base, AzureWebJobsStorage: 'UseDevelopmentStorge=true' },
      /^AzureWebJobsStorage: unknown connection string key "usedevelopmentstorge"; known keys: .*UseDevelopmentStorage/,
    ],
    [
      'a Redis URL with a typo in its scheme',
      { ...withTargets({ name: 'r', type: 'redis', subscription: 'r' }), RedisTarget: 'redsi://127.0.0.1:6379' },
      /^RedisTarget: expected a redis:\/\/ or rediss:\/\/ URL, got scheme "redsi"$/,
    ],
    [
      'a PostgreSQL URL with a typo in its scheme',
      { ...withTargets({ name: 'p', type: 'postgres', subscription: 'p' }), PostgresTarget: 'postgress://h/test' },
      /^PostgresTarget: expected a postgres:\/\/ or postgresql:\/\/ URL, got scheme "postgress"$/,
    ],
    [
      'a connection name with a typo (its setting is not there)',
      withTargets({ ...copy, connection: 'CosmosTraget' }),
      /^CosmosTraget: missing; set CosmosTraget to a connection string \(local\) or CosmosTraget__accountEndpoint/,
    ],
    [
      'a whole-number setting out of range',
      { ...base, COSMOS_SYNC_SESSION_BUCKETS: '0' },
      /^COSMOS_SYNC_SESSION_BUCKETS: Too small: expected number to be >=1/,
    ],
    [
      'a whole-number setting with a trailing space',
      { ...base, COSMOS_SYNC_SESSION_BUCKETS: '64 ' },
      /^COSMOS_SYNC_SESSION_BUCKETS: expected a whole number from 1 to 4096/,
    ],
    ['a boolean setting saying yes', { ...base, COSMOS_SYNC_METRICS_ENABLED: 'yes' }, /expected true or false/],
    [
      'an unknown log level',
      { ...base, COSMOS_SYNC_LOG_LEVEL: 'verbose' },
      /^COSMOS_SYNC_LOG_LEVEL: .*"debug"\|"info"\|"warn"\|"error"/,
    ],
    [
      'the claim container equal to the quarantine container',
      { ...base, COSMOS_SYNC_CLAIM_CONTAINER: 'cosmos-sync-quarantine' },
      /^COSMOS_SYNC_CLAIM_CONTAINER: must differ from COSMOS_SYNC_QUARANTINE_CONTAINER/,
    ],
  ])('%s', (_label, env, problem) => {
    const problems = configProblemsOf(env);
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(problem);
  });

  it('never echoes a connection string value in its problem (they hold keys and passwords)', () => {
    const problems = configProblemsOf({
      ...withTargets({ name: 'r', type: 'redis', subscription: 'r' }),
      RedisTarget: 'redsi://:hunter2-secret@127.0.0.1:6379',
      CosmosSource: 'AccountEndpont=http://127.0.0.1:8081/;AccountKey=c2VjcmV0LWtleQ==;',
    });
    expect(problems).toHaveLength(2);
    for (const problem of problems) {
      expect(problem).not.toContain('hunter2');
      expect(problem).not.toContain('c2VjcmV0LWtleQ');
    }
  });
});

describe('a subscription that does not exist', () => {
  // Start-up cannot know the broker's entities; the status API and the metrics timer report the target's backlog
  // as this problem (test/metrics/backlog.int.test.ts shows it against the local broker).
  it('is reported by status as SUBSCRIPTION_NOT_FOUND, naming it, its topic and its target', () => {
    const problem = backlogProblemFrom(
      { code: 'MessageEntityNotFoundError', statusCode: 404, message: 'not found' },
      'subscription "cosmos-targt" of topic "cosmos-sync-events" (target copy)',
    );
    expect(problem).toEqual({
      code: 'SUBSCRIPTION_NOT_FOUND',
      retryable: false,
      message:
        'Service Bus subscription "cosmos-targt" of topic "cosmos-sync-events" (target copy) does not exist; create ' +
        'it (requiring sessions only for an ordered target) or fix the configured name',
    });
  });
});
