import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../shared/errors.js';
import { createWebhookTarget, webhookSecretProblem, webhookTargetSchema } from '../../shared/targets/webhook/index.js';

const base = { name: 'hook', type: 'webhook', subscription: 'webhook-target' };
const parse = (url: string) => webhookTargetSchema.safeParse({ ...base, url });

describe('webhook target config', () => {
  it('fills safe defaults', () => {
    expect(webhookTargetSchema.parse({ ...base, url: 'https://hooks.example.com/x' })).toEqual({
      ...base,
      ordered: false,
      url: 'https://hooks.example.com/x',
      secretSetting: 'COSMOS_SYNC_WEBHOOK_SECRET',
      timeoutMs: 10_000,
      maxEventsPerRequest: 100,
      maxRequestBytes: 1024 * 1024,
      maxConcurrentRequests: 4,
      retryAttempts: 3,
      retryInitialDelayMs: 500,
      retryMaxDelayMs: 5_000,
      maxRetryAfterMs: 30_000,
      queryPageSize: 500,
    });
  });

  it('accepts https anywhere and plain http on loopback hosts only', () => {
    for (const url of [
      'https://hooks.example.com/cosmos',
      'http://127.0.0.1:8080/hook',
      'http://[::1]:9000/',
      'http://localhost/hook',
      'http://LOCALHOST:1/',
    ]) {
      expect(parse(url).success, url).toBe(true);
    }
  });

  it('refuses plain http to any other host, naming the rule but not the secret-bearing path', () => {
    for (const url of [
      'http://hooks.example.com/services/T0/B0/very-secret-token',
      'http://127.0.0.2/',
      'http://localhost.example.com/',
      'http://10.0.0.1/',
      'http://[::2]/',
    ]) {
      const result = parse(url);
      expect(result.success, url).toBe(false);
      const message = result.error?.issues[0]?.message ?? '';
      expect(message).toMatch(/must use https; plain http is allowed only for loopback hosts/);
      expect(message).not.toContain('secret');
    }
  });

  it('refuses non-URLs, other schemes and embedded credentials', () => {
    expect(parse('hooks.example.com').error?.issues[0]?.message).toMatch(/absolute URL/);
    expect(parse('ftp://hooks.example.com/').success).toBe(false);
    expect(parse('https://user:pw@hooks.example.com/').error?.issues[0]?.message).toMatch(/credentials/);
  });

  it('refuses out-of-range limits', () => {
    const url = 'https://h.example.com/';
    expect(webhookTargetSchema.safeParse({ ...base, url, maxEventsPerRequest: 0 }).success).toBe(false);
    expect(webhookTargetSchema.safeParse({ ...base, url, maxConcurrentRequests: 65 }).success).toBe(false);
    expect(webhookTargetSchema.safeParse({ ...base, url, retryAttempts: 0 }).success).toBe(false);
    expect(webhookTargetSchema.safeParse({ ...base, url, secretSetting: 'has-dash' }).success).toBe(false);
  });

  it('checks the query endpoint like the delivery URL', () => {
    const url = 'https://h.example.com/';
    const withQueries = (versionsUrl: string) => webhookTargetSchema.safeParse({ ...base, url, versionsUrl });
    expect(withQueries('https://h.example.com/versions').success).toBe(true);
    expect(withQueries('http://h.example.com/versions/secret-token').error?.issues[0]).toMatchObject({
      path: ['versionsUrl'],
      message: expect.stringMatching(/must use https/),
    });
    expect(webhookTargetSchema.safeParse({ ...base, url, queryPageSize: 0 }).success).toBe(false);
  });

  it('cannot be verified without versionsUrl: a permanent error that names the setting', async () => {
    const config = webhookTargetSchema.parse({ ...base, url: 'https://h.example.com/' });
    const target = createWebhookTarget(config, { env: { COSMOS_SYNC_WEBHOOK_SECRET: 'x'.repeat(40) } });
    await target.open();
    const unsupported = {
      code: 'VERIFY_UNSUPPORTED',
      retryable: false,
      message: expect.stringMatching(/set "versionsUrl" in its COSMOS_SYNC_TARGETS entry/),
    };
    const ref = { source: 's', documentId: 'd', partitionKey: 'p' };
    await expect(target.readVersions([ref])).rejects.toMatchObject(unsupported);
    await expect(target.listDocuments('s')[Symbol.asyncIterator]().next()).rejects.toMatchObject(unsupported);
  });

  it('needs a secret of at least 32 characters in the named setting', () => {
    const config = webhookTargetSchema.parse({ ...base, url: 'https://h.example.com/', secretSetting: 'HOOK_SECRET' });
    expect(webhookSecretProblem(config, {})).toMatch(/^HOOK_SECRET: missing/);
    expect(webhookSecretProblem(config, { HOOK_SECRET: '   ' })).toMatch(/^HOOK_SECRET: missing/);
    expect(webhookSecretProblem(config, { HOOK_SECRET: 'short' })).toMatch(/too short.*at least 32/);
    expect(webhookSecretProblem(config, { HOOK_SECRET: 'x'.repeat(32) })).toBeUndefined();
    expect(() => createWebhookTarget(config, { env: {} })).toThrow(ConfigError);
    expect(createWebhookTarget(config, { env: { HOOK_SECRET: 'x'.repeat(40) } }).name).toBe('hook');
  });
});
