/**
 * Webhook configuration as a security boundary: https except on loopback, no credentials in URLs, and the optional
 * allow-list of hosts, checked by parseConfig at start-up with the host named.
 */
import { describe, expect, it } from 'vitest';
import { isAllowedHost, webhookTargetSchema } from '../../shared/targets/webhook/config.js';
import { configProblemsOf } from '../support/config-problems.js';

const base = { name: 'hook', type: 'webhook', subscription: 's' };
const accepts = (fields: Record<string, unknown>) => webhookTargetSchema.safeParse({ ...base, ...fields }).success;

describe('webhook URL rules', () => {
  it.each([
    'http://10.0.0.5/hook',
    'http://hooks.example.com/hook',
    'http://localhost.example.com/hook',
    'http://127.0.0.1.nip.io/hook',
    'ftp://127.0.0.1/hook',
    'https://user:pass@hooks.example.com/hook',
    'https://:pass@hooks.example.com/hook',
  ])('refuses %s', (url) => {
    expect(accepts({ url })).toBe(false);
    expect(accepts({ url: 'https://hooks.example.com/x', versionsUrl: url })).toBe(false);
  });

  it.each([
    'https://hooks.example.com/x?token=t',
    'http://127.0.0.1:8080/x',
    'http://[::1]:8080/x',
    'http://LOCALHOST/x',
  ])('accepts %s', (url) => expect(accepts({ url })).toBe(true));
});

describe('allowedHosts', () => {
  it('matches exact hosts, ignoring case, and *. entries for subdomains only', () => {
    expect(isAllowedHost('hooks.example.com', ['hooks.example.com'])).toBe(true);
    expect(isAllowedHost('HOOKS.example.com', ['hooks.example.com'])).toBe(true);
    expect(isAllowedHost('a.b.example.com', ['*.example.com'])).toBe(true);
    expect(isAllowedHost('example.com', ['*.example.com'])).toBe(false);
    expect(isAllowedHost('evilexample.com', ['*.example.com'])).toBe(false);
    expect(isAllowedHost('hooks.example.com.evil.net', ['hooks.example.com'])).toBe(false);
    expect(isAllowedHost('[::1]', ['[::1]'])).toBe(true);
  });

  it('accepts URLs on allowed hosts and refuses malformed entries', () => {
    const allowedHosts = ['hooks.example.com', '*.partner.example'];
    expect(accepts({ url: 'https://hooks.example.com/x', allowedHosts })).toBe(true);
    expect(
      accepts({ url: 'https://HOOKS.example.com/x', versionsUrl: 'https://q.partner.example/v', allowedHosts }),
    ).toBe(true);
    for (const entry of ['', 'https://hooks.example.com', 'hooks.example.com/x', '*', 'a..b', 'host:443']) {
      expect(accepts({ url: 'https://hooks.example.com/x', allowedHosts: [entry] }), entry).toBe(false);
    }
    expect(accepts({ url: 'https://hooks.example.com/x', allowedHosts: [] })).toBe(false);
  });

  it('a URL or versionsUrl on another host stops start-up with the host named', () => {
    const problems = configProblemsOf({
      AzureWebJobsStorage: 'UseDevelopmentStorage=true',
      CosmosSource: 'AccountEndpoint=http://127.0.0.1:8081/;AccountKey=a2V5;',
      ServiceBus: 'Endpoint=sb://127.0.0.1:5673;SharedAccessKeyName=k;SharedAccessKey=v;UseDevelopmentEmulator=true;',
      COSMOS_SYNC_WEBHOOK_SECRET: 'x'.repeat(40),
      COSMOS_SYNC_SOURCES: JSON.stringify([{ name: 'o', database: 'd', container: 'c', partitionKeyPaths: ['/p'] }]),
      COSMOS_SYNC_TARGETS: JSON.stringify([
        {
          ...base,
          url: 'https://evil.example.net/hook?token=abc',
          versionsUrl: 'https://hooks.example.com.attacker.io/v',
          allowedHosts: ['hooks.example.com'],
        },
      ]),
    });
    expect(problems).toEqual([
      'COSMOS_SYNC_TARGETS[0].url: host "evil.example.net" is not in allowedHosts (hooks.example.com)',
      'COSMOS_SYNC_TARGETS[0].versionsUrl: host "hooks.example.com.attacker.io" is not in allowedHosts (hooks.example.com)',
    ]);
  });
});
