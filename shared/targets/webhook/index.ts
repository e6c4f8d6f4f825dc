/**
 * Webhook target: POSTs batches of events, signed, to a receiver that owns its store. The receiver applies the
 * version guard (keep the highest version per document, tombstones for deletes), so this target only delivers:
 * requests (requests.ts) go out in parallel, bounded; each is retried on its own (retry.ts, exchange.ts).
 *
 * A request refused with 400, 413 or 422 and holding more than one event is split in halves and each half sent again,
 * down to single events, so one document the receiver cannot take is rejected alone and the others are applied
 * (about 2·log2(n) extra requests for one bad event among n). Other refusals (401, 403, 404, redirects, ...) say
 * nothing about particular events: every event of the request is rejected with `WEBHOOK_<status>` at once.
 *
 * Reading back for verify asks the receiver through the query protocol (query.ts) at `versionsUrl`; without it,
 * `readVersions` and `listDocuments` throw a permanent `VERIFY_UNSUPPORTED` naming the setting.
 */
import { ConfigError } from '../../errors.js';
import { registerSecret } from '../../redact.js';
import type { Env } from '../../config/connections.js';
import type { ChangeEvent } from '../../events/envelope.js';
import { sleep as realSleep } from '../../subscribe/backoff.js';
import { mapBounded } from '../../map-bounded.js';
import {
  TargetError,
  type ApplyOutcome,
  type DocumentRef,
  type HeldDocument,
  type HeldVersion,
  type Target,
} from '../target.js';
import { webhookSecretProblem, type WebhookTargetConfig } from './config.js';
import { exchange, type ExchangeSettings } from './exchange.js';
import { planRequests, splitRequest, type WebhookRequest } from './requests.js';
import { withWebhookRetries, type RetryClock, type RetryPolicy } from './retry.js';
import { queryListing, queryVersions, type QuerySettings } from './query.js';

export interface WebhookTargetOptions {
  name: string;
  url: string;
  secret: string;
  timeoutMs: number;
  maxEventsPerRequest: number;
  maxRequestBytes: number;
  maxConcurrentRequests: number;
  retry: RetryPolicy;
  /** The receiver's query endpoint (query.ts), and refs or documents per query. */
  versionsUrl?: string | undefined;
  queryPageSize?: number;
  /** Injectable for tests; default the global fetch, setTimeout-based sleep, Date.now and Math.random. */
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  random?: () => number;
}

/** Statuses that may be caused by one event's content, so that splitting the request can isolate it. */
const CONTENT_STATUSES = new Set([400, 413, 422]);

export class WebhookTarget implements Target {
  readonly name: string;
  private readonly origin: string;
  private readonly settings: ExchangeSettings;
  private readonly clock: RetryClock;
  private readonly queries: QuerySettings | undefined;
  private opened = false;

  constructor(private readonly options: WebhookTargetOptions) {
    this.name = options.name;
    // A receiver that echoes its request, or an error quoting one, must not put the HMAC secret in a log line.
    registerSecret(options.secret);
    this.origin = new URL(options.url).origin;
    const { url, secret, timeoutMs, versionsUrl } = options;
    this.settings = { url, secret, timeoutMs, fetch: options.fetch ?? fetch, now: options.now ?? Date.now };
    this.clock = { sleep: options.sleep ?? realSleep, random: options.random ?? Math.random };
    this.queries = versionsUrl
      ? {
          exchange: { ...this.settings, url: versionsUrl },
          retry: options.retry,
          clock: this.clock,
          origin: new URL(versionsUrl).origin,
          pageSize: options.queryPageSize ?? 500,
          concurrency: options.maxConcurrentRequests,
        }
      : undefined;
  }

  async open(): Promise<void> {
    // Nothing to connect: receivers need not answer anything but POST, and fetch pools connections on first use.
    this.opened = true;
  }

  async applyBatch(events: readonly ChangeEvent[], signal?: AbortSignal): Promise<ApplyOutcome[]> {
    if (!this.opened) throw TargetError.transient('WEBHOOK_NOT_OPEN', `target ${this.name} is not open`);
    const requests = planRequests(events, {
      maxEvents: this.options.maxEventsPerRequest,
      maxBytes: this.options.maxRequestBytes,
    });
    const delivered = await mapBounded(requests, this.options.maxConcurrentRequests, (request) =>
      this.deliver(request, signal),
    );
    const byId = new Map(delivered.flat().map((outcome) => [outcome.eventId, outcome]));
    return events.map((event) => byId.get(event.eventId) as ApplyOutcome);
  }

  async readVersions(refs: readonly DocumentRef[], signal?: AbortSignal): Promise<Array<HeldVersion | undefined>> {
    return queryVersions(this.queryable(), refs, signal);
  }

  async *listDocuments(source: string, signal?: AbortSignal): AsyncIterable<HeldDocument[]> {
    yield* queryListing(this.queryable(), source, signal);
  }

  async close(): Promise<void> {
    this.opened = false;
  }

  private queryable(): QuerySettings {
    if (!this.opened) throw TargetError.transient('WEBHOOK_NOT_OPEN', `target ${this.name} is not open`);
    if (this.queries) return this.queries;
    throw TargetError.permanent(
      'VERIFY_UNSUPPORTED',
      `webhook target ${this.name} cannot say what its receiver holds: set "versionsUrl" in its COSMOS_SYNC_TARGETS ` +
        'entry to the receiver\'s query endpoint (protocol: docs/targets-blob-webhook.md, "Query protocol")',
    );
  }

  private async deliver(request: WebhookRequest, signal: AbortSignal | undefined): Promise<ApplyOutcome[]> {
    const what = `webhook ${this.origin}: request of ${request.events.length} event(s)`;
    const send = () => exchange(this.settings, request, signal);
    const result = await withWebhookRetries(send, this.options.retry, this.clock, what, signal);
    if (result.kind === 'accepted') {
      return request.events.map((event) => ({
        eventId: event.eventId,
        status: result.stale.has(event.eventId) ? 'stale' : 'applied',
      }));
    }
    if (request.events.length > 1 && CONTENT_STATUSES.has(result.status)) {
      const [first, second] = splitRequest(request);
      return [...(await this.deliver(first, signal)), ...(await this.deliver(second, signal))];
    }
    const error = TargetError.permanent(
      `WEBHOOK_${result.status}`,
      `webhook ${this.origin} refused ${request.events.length} event(s) with ${result.status}` +
        (result.excerpt ? `: ${result.excerpt}` : ''),
    );
    return request.events.map((event) => ({ eventId: event.eventId, status: 'rejected', error }));
  }
}

export interface WebhookTargetDeps {
  /** App settings; the secret is read from `env[config.secretSetting]`, surrounding whitespace removed. */
  env: Env;
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  now?: () => number;
  random?: () => number;
}

export function createWebhookTarget(config: WebhookTargetConfig, deps: WebhookTargetDeps): WebhookTarget {
  const problem = webhookSecretProblem(config, deps.env);
  if (problem) throw new ConfigError(`invalid configuration:\n  ${problem}`, [problem]);
  return new WebhookTarget({
    name: config.name,
    url: config.url,
    secret: (deps.env[config.secretSetting] as string).trim(),
    timeoutMs: config.timeoutMs,
    maxEventsPerRequest: config.maxEventsPerRequest,
    maxRequestBytes: config.maxRequestBytes,
    maxConcurrentRequests: config.maxConcurrentRequests,
    retry: {
      attempts: config.retryAttempts,
      initialDelayMs: config.retryInitialDelayMs,
      maxDelayMs: config.retryMaxDelayMs,
      maxRetryAfterMs: config.maxRetryAfterMs,
    },
    versionsUrl: config.versionsUrl,
    queryPageSize: config.queryPageSize,
    fetch: deps.fetch,
    sleep: deps.sleep,
    now: deps.now,
    random: deps.random,
  });
}

export { webhookSecretProblem, webhookTargetSchema, type WebhookTargetConfig } from './config.js';
export { signWebhookBody, verifyWebhookSignature } from './signature.js';
