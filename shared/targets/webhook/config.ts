/**
 * Config fragment of the webhook target (`type: "webhook"`). `webhookTargetSchema` is the entry schema of its descriptor
 * (descriptor.ts), which also checks the secret at start-up; `createWebhookTarget` builds the target.
 */
import { z } from 'zod';
import type { Env } from '../../config/connections.js';
import { targetCommonFields } from '../../config/target-common.js';

/** Plain http is accepted only where nothing leaves the machine: the loopback names Node's URL parser produces. */
const LOOPBACK_HOSTS = new Set(['127.0.0.1', '[::1]', 'localhost']);

export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname.toLowerCase());
}

/** Messages show only the origin: webhook paths and queries often carry tokens (Slack, Teams, Zapier URLs do). */
const webhookUrl = z.string().superRefine((text, ctx) => {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    ctx.addIssue({ code: 'custom', message: 'expected an absolute URL like "https://hooks.example.com/cosmos-sync"' });
    return;
  }
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) {
    ctx.addIssue({
      code: 'custom',
      message:
        `webhook URLs must use https; plain http is allowed only for loopback hosts (127.0.0.1, ::1, localhost), ` +
        `got ${url.protocol}//${url.host}`,
    });
  }
  if (url.username || url.password) {
    ctx.addIssue({
      code: 'custom',
      message: 'webhook URLs must not contain credentials; requests are authenticated by the HMAC signature',
    });
  }
});

/**
 * An allow-list entry: a host name (`hooks.example.com`), an IP literal, or `*.` and a domain for its subdomains
 * (`*.example.com` allows `a.example.com`, not `example.com` itself). Ports are not part of it: the scheme rule above
 * already says what may be reached over plain http.
 */
const allowedHost = z
  .string()
  .trim()
  .toLowerCase()
  .regex(
    /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$|^\[[0-9a-f:.]+\]$/,
    'expected a host name such as "hooks.example.com", "*.example.com" for its subdomains, or an IP address',
  );

/** Whether `hostname` (as Node's URL parser gives it) is allowed by one of `allowed`. */
export function isAllowedHost(hostname: string, allowed: readonly string[]): boolean {
  const host = hostname.toLowerCase();
  return allowed.some((entry) =>
    entry.startsWith('*.') ? host.endsWith(entry.slice(1)) && host.length > entry.length - 1 : host === entry,
  );
}

const settingName = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'expected a setting name made of letters, digits and underscores');

const wholeNumber = (min: number, max: number) => z.number().int().min(min).max(max);

const webhookTargetFields = z.object({
  ...targetCommonFields,
  type: z.literal('webhook'),
  url: webhookUrl.describe('Receiver URL; https, or http on 127.0.0.1 / ::1 / localhost only'),
  secretSetting: settingName
    .default('COSMOS_SYNC_WEBHOOK_SECRET')
    .describe('App setting holding the shared HMAC secret (at least 32 characters); give each webhook its own'),
  timeoutMs: wholeNumber(100, 120_000).default(10_000).describe('Timeout of one request, response body included'),
  maxEventsPerRequest: wholeNumber(1, 1_000).default(100).describe('Most events in one request body'),
  maxRequestBytes: wholeNumber(1_024, 100 * 1024 * 1024)
    .default(1024 * 1024)
    .describe('Largest request body; a single larger event is still sent, alone'),
  maxConcurrentRequests: wholeNumber(1, 64).default(4).describe('Requests in flight at once per batch'),
  retryAttempts: wholeNumber(1, 10)
    .default(3)
    .describe('Tries of one request, the first included, on network errors, timeouts, 408, 429 and 5xx'),
  retryInitialDelayMs: wholeNumber(0, 60_000).default(500).describe('Backoff before the first retry; doubles after'),
  retryMaxDelayMs: wholeNumber(0, 60_000).default(5_000).describe('Longest backoff between tries'),
  maxRetryAfterMs: wholeNumber(0, 300_000)
    .default(30_000)
    .describe('Longest wait a Retry-After header can ask for; longer requests are capped to this'),
  versionsUrl: webhookUrl
    .optional()
    .describe(
      "The receiver's query endpoint for `cosmos-sync verify` (which versions it holds, and a paged listing; see " +
        'docs/targets-blob-webhook.md); without it the target cannot be verified',
    ),
  queryPageSize: wholeNumber(1, 10_000)
    .default(500)
    .describe('Refs per versions query, and the most documents asked for per listing page'),
  allowedHosts: z
    .array(allowedHost)
    .min(1)
    .optional()
    .describe(
      'Hosts `url` and `versionsUrl` may point at ("hooks.example.com", "*.example.com", an IP); checked at ' +
        'start-up, so a changed URL cannot send signed events to a host nobody approved. Without it any host is allowed',
    ),
});

/** A URL's host outside `allowedHosts` is a start-up problem naming the host, on the field that holds the URL. */
export const webhookTargetSchema = webhookTargetFields.superRefine((config, ctx) => {
  if (!config.allowedHosts) return;
  for (const field of ['url', 'versionsUrl'] as const) {
    const text = config[field];
    // An unparsable URL already has its own issue; zod runs this check anyway.
    if (text === undefined || !URL.canParse(text)) continue;
    const { hostname } = new URL(text);
    if (!isAllowedHost(hostname, config.allowedHosts)) {
      ctx.addIssue({
        code: 'custom',
        path: [field],
        message: `host "${hostname}" is not in allowedHosts (${config.allowedHosts.join(', ')})`,
      });
    }
  }
});

export type WebhookTargetConfig = z.infer<typeof webhookTargetSchema>;

/** Short secrets make the HMAC guessable offline from one captured request. */
export const MIN_SECRET_LENGTH = 32;

/** What is wrong with the target's secret setting, for start-up validation; undefined when it is usable. */
export function webhookSecretProblem(config: WebhookTargetConfig, env: Env): string | undefined {
  const secret = env[config.secretSetting]?.trim();
  if (!secret) return `${config.secretSetting}: missing; set it to the shared secret of webhook target ${config.name}`;
  if (secret.length < MIN_SECRET_LENGTH) {
    return `${config.secretSetting}: too short for webhook target ${config.name}; use at least ${MIN_SECRET_LENGTH} characters (e.g. openssl rand -hex 32)`;
  }
  return undefined;
}
