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

const settingName = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_]*$/, 'expected a setting name made of letters, digits and underscores');

const wholeNumber = (min: number, max: number) => z.number().int().min(min).max(max);

export const webhookTargetSchema = z.object({
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
