/**
 * The redaction helper on every secret form the app can meet, and the pure boundaries that print: configuration
 * errors, the structured logger, typed errors, and the state row's last error (written and read back).
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../shared/config/load.js';
import { ConfigError, CosmosSyncError } from '../../shared/errors.js';
import { createLogger } from '../../shared/logging.js';
import { redactDeep, redactSecrets, registerSecret, REDACTED } from '../../shared/redact.js';
import { parseStateEntity, toStateEntity } from '../../shared/state/entity.js';
import { emptyRow } from '../../shared/state/row.js';
import {
  COSMOS_CONNECTION,
  leaksIn,
  postgresUrl,
  redisUrl,
  SAS_CONNECTION,
  SAS_URL,
  SECRETS,
  SERVICE_BUS_CONNECTION,
  STORAGE_CONNECTION,
  webhookUrl,
} from './fake-secrets.js';

class ProbeError extends CosmosSyncError {
  readonly code = 'PROBE';
  readonly retryable = false;
}

describe('redactSecrets', () => {
  it.each([
    ['Cosmos DB connection string', COSMOS_CONNECTION, 'AccountKey=***'],
    ['Service Bus connection string', SERVICE_BUS_CONNECTION, 'SharedAccessKey=***'],
    ['storage connection string', STORAGE_CONNECTION, 'AccountKey=***'],
    ['SAS URL', SAS_URL, 'sig=***'],
    ['SAS connection string', SAS_CONNECTION, 'SharedAccessSignature=***'],
    [
      'Service Bus SAS connection string',
      `Endpoint=sb://ns.servicebus.windows.net/;SharedAccessSignature=SharedAccessSignature sr=ns&sig=${SECRETS.sasSignature}&se=1&skn=k;EntityPath=t`,
      'SharedAccessSignature=***;EntityPath=t',
    ],
    ['PostgreSQL URL', postgresUrl(5432), 'postgres://syncuser:***@127.0.0.1:5432/test'],
    ['Redis URL', redisUrl(6379), 'redis://:***@127.0.0.1:6379'],
    ['webhook URL with a query token', webhookUrl(8080), '/hooks/x?token=***'],
    ['bearer header', `Authorization: Bearer ${SECRETS.urlToken}`, 'Bearer ***'],
    ['function key in a URL', `https://app.azurewebsites.net/api/status?code=${SECRETS.functionKey}`, 'code=***'],
  ])('%s', (_form, text, kept) => {
    const redacted = redactSecrets(`failed: ${text} (while connecting)`);
    expect(leaksIn(redacted)).toEqual([]);
    expect(redacted).toContain(kept);
    expect(redacted).toContain('(while connecting)');
    expect(redactSecrets(redacted)).toBe(redacted);
  });

  it('keeps what is not a secret: endpoints, account and key names, user names', () => {
    const redacted = redactSecrets(`${SERVICE_BUS_CONNECTION} ${postgresUrl(5432)}`);
    expect(redacted).toContain('Endpoint=sb://127.0.0.1:1');
    expect(redacted).toContain('SharedAccessKeyName=RootManageSharedAccessKey');
    expect(redacted).toContain('syncuser');
    expect(redactSecrets('Basic authentication failed; Bearer tokens expire')).toBe(
      'Basic authentication failed; Bearer tokens expire',
    );
    expect(redactSecrets('Authorization: Basic dXNlcjpGQUtFcGFzcw==')).toBe('Authorization: Basic ***');
    expect(redactSecrets('UseDevelopmentStorage=true; http://127.0.0.1:10000/x?comp=list')).toBe(
      'UseDevelopmentStorage=true; http://127.0.0.1:10000/x?comp=list',
    );
  });

  it('redacts registered secrets by value, whatever their form, also JSON-escaped', () => {
    const odd = `FAKEodd"secret\\with-quotes-0123456789`;
    registerSecret(odd);
    registerSecret(SECRETS.webhookSecret);
    expect(redactSecrets(`body was ${SECRETS.webhookSecret}`)).toBe(`body was ${REDACTED}`);
    expect(redactSecrets(JSON.stringify({ echo: odd }))).toBe(`{"echo":"${REDACTED}"}`);
    registerSecret('short');
    expect(redactSecrets('a short line')).toBe('a short line');
  });

  it('redacts every string of a nested value', () => {
    const value = { a: [{ message: COSMOS_CONNECTION }], at: new Date(0), n: 1 };
    const redacted = redactDeep(value);
    expect(leaksIn(JSON.stringify(redacted))).toEqual([]);
    expect(redacted.at).toEqual(new Date(0));
    expect(redacted.n).toBe(1);
  });
});

/** Settings that carry every secret next to settings that are wrong, so parseConfig reports problems. */
function secretBearingSettings(): Record<string, string> {
  return {
    AzureWebJobsStorage: STORAGE_CONNECTION,
    CosmosSource: COSMOS_CONNECTION,
    CosmosTarget: COSMOS_CONNECTION,
    ServiceBus: SERVICE_BUS_CONNECTION,
    PostgresTarget: postgresUrl(5432),
    RedisTarget: redisUrl(6379),
    ArchiveStorage: SAS_CONNECTION,
    COSMOS_SYNC_WEBHOOK_SECRET: SECRETS.webhookSecret,
    PARTNER_HOOK_SECRET: SECRETS.perTargetSecret,
    COSMOS_SYNC_SOURCES: JSON.stringify([
      { name: 'orders', database: 'shop', container: 'orders', partitionKeyPaths: ['/customerId'] },
    ]),
    COSMOS_SYNC_METRICS_SCHEDULE: `not a schedule ${SECRETS.urlToken}`,
    COSMOS_SYNC_LOG_LEVEL: 'loud',
  };
}

function configErrorOf(env: Record<string, string>): ConfigError {
  try {
    parseConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected a ConfigError');
}

describe('configuration errors print no secret', () => {
  it('schema problems next to secret-bearing settings', () => {
    const error = configErrorOf(secretBearingSettings());
    expect(error.problems.length).toBeGreaterThan(0);
    expect(leaksIn([error.message, ...error.problems, String(error), error.stack ?? ''].join('\n'))).toEqual([]);
  });

  it('target problems: webhook URLs with credentials or tokens, http to a remote host, bad connections', () => {
    const env = {
      ...secretBearingSettings(),
      COSMOS_SYNC_METRICS_SCHEDULE: '0 */1 * * * *',
      COSMOS_SYNC_LOG_LEVEL: 'info',
      COSMOS_SYNC_TARGETS: JSON.stringify([
        {
          name: 'hook-creds',
          type: 'webhook',
          subscription: 'a',
          url: `https://user:${SECRETS.urlToken}@hooks.example.com/x?token=${SECRETS.urlToken}`,
        },
        { name: 'hook-http', type: 'webhook', subscription: 'b', url: `http://hooks.example.com/${SECRETS.urlToken}` },
        {
          name: 'hook-short',
          type: 'webhook',
          subscription: 'c',
          url: 'https://hooks.example.com/y',
          secretSetting: 'PARTNER_HOOK_SECRET_SHORT',
        },
        { name: 'pg', type: 'postgres', subscription: 'd', connection: 'PostgresTarget', table: 'bad;table' },
        { name: 'cache', type: 'redis', subscription: 'e', connection: 'RedisTarget', keyTemplate: 7 },
        { name: 'blob', type: 'blob', subscription: 'f', connection: 'ArchiveStorage', container: 'Bad_Name' },
      ]),
      PARTNER_HOOK_SECRET_SHORT: 'FAKEshort',
    };
    const error = configErrorOf(env);
    expect(error.problems.length).toBeGreaterThanOrEqual(5);
    const text = [error.message, ...error.problems].join('\n');
    expect(leaksIn(text)).toEqual([]);
  });

  it('start-up checks after the schema: a short webhook secret, with every other secret set', () => {
    const env = {
      ...secretBearingSettings(),
      COSMOS_SYNC_METRICS_SCHEDULE: '0 */1 * * * *',
      COSMOS_SYNC_LOG_LEVEL: 'info',
      COSMOS_SYNC_TARGETS: JSON.stringify([
        { name: 'hook', type: 'webhook', subscription: 'a', url: webhookUrl(8080), secretSetting: 'SHORT_SECRET' },
        { name: 'pg', type: 'postgres', subscription: 'b', connection: 'PostgresTarget', table: 'docs' },
        { name: 'cache', type: 'redis', subscription: 'c', connection: 'RedisMissing' },
      ]),
      SHORT_SECRET: 'FAKEshort',
    };
    const error = configErrorOf(env);
    const text = [error.message, ...error.problems].join('\n');
    expect(text).toContain('SHORT_SECRET: too short');
    expect(text).toContain('RedisMissing');
    expect(leaksIn(text)).toEqual([]);
    expect(text).not.toContain('FAKEshort');
  });
});

describe('logs and typed errors print no secret', () => {
  it('a webhook secret is known from start-up: a receiver echoing it cannot put it in a log line', () => {
    parseConfig({
      ...secretBearingSettings(),
      COSMOS_SYNC_METRICS_SCHEDULE: '0 */1 * * * *',
      COSMOS_SYNC_LOG_LEVEL: 'info',
      COSMOS_SYNC_TARGETS: JSON.stringify([
        {
          name: 'partner',
          type: 'webhook',
          subscription: 'a',
          url: 'https://hooks.example.com/x',
          secretSetting: 'PARTNER_HOOK_SECRET',
        },
      ]),
    });
    const lines: string[] = [];
    const push = (line: string) => void lines.push(line);
    createLogger({ debug: push, info: push, warn: push, error: push }).warn('webhook.refused', {
      excerpt: `bad signature, expected key ${SECRETS.perTargetSecret}`,
    });
    expect(lines).toHaveLength(1);
    expect(leaksIn(lines.join('\n'))).toEqual([]);
  });

  it('the structured logger redacts fields, nested values and errors (SDK errors included)', () => {
    const lines: string[] = [];
    const push = (line: string) => void lines.push(line);
    const logger = createLogger({ debug: push, info: push, warn: push, error: push }, 'debug', {
      connection: SERVICE_BUS_CONNECTION,
    });
    const sdkError = Object.assign(new Error(`connect failed for ${postgresUrl(1)}`), { code: 'ECONNREFUSED' });
    logger.error('probe.failed', { error: sdkError, url: SAS_URL, nested: { cs: COSMOS_CONNECTION } });
    logger.child({ redis: redisUrl(1) }).warn('probe.child', { storage: STORAGE_CONNECTION });
    expect(lines).toHaveLength(2);
    expect(leaksIn(lines.join('\n'))).toEqual([]);
    expect(JSON.parse(lines[0] as string)).toMatchObject({ event: 'probe.failed' });
  });

  it('typed errors redact their message at construction', () => {
    const error = new ProbeError(`open failed: ${STORAGE_CONNECTION} ${webhookUrl(1)}`);
    expect(leaksIn(`${error.message} ${JSON.stringify(error.toLogFields())}`)).toEqual([]);
  });
});

describe('state rows keep no secret in lastError', () => {
  it('redacts on write and on read (rows written before redaction existed)', () => {
    const row = {
      ...emptyRow(),
      lastError: {
        code: 'PG_CONNECT',
        message: `could not connect: ${postgresUrl(5432)}`,
        class: 'transient' as const,
        at: new Date('2024-05-01T10:00:00Z'),
      },
    };
    const entity = toStateEntity({ partitionKey: 'pg', rowKey: '-' }, row);
    expect(leaksIn(JSON.stringify(entity))).toEqual([]);
    // As the Tables SDK reads it back: typed numbers arrive as plain numbers.
    const stored = Object.fromEntries(
      Object.entries(entity).map(([key, value]) => [
        key,
        typeof value === 'object' && value !== null && 'value' in value ? Number(value.value) : value,
      ]),
    );
    const legacy = { ...stored, lastErrorMessage: `old: ${SAS_URL}` };
    expect(leaksIn(parseStateEntity(legacy).lastError?.message ?? '')).toEqual([]);
  });
});
