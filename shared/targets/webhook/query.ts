/**
 * The webhook query protocol, for `cosmos-sync verify`: the receiver owns the store, so only it can say what it holds.
 * A receiver that implements it gives its URL as the target's `versionsUrl`; every query is a POST there, signed
 * exactly like a delivery (`X-CosmosSync-Timestamp`, `X-CosmosSync-Signature`), and retried like one (network errors,
 * timeouts, 408, 429, 5xx, Retry-After). Two queries (docs/targets-blob-webhook.md, "Query protocol"):
 *
 *   {"query":"versions","refs":[{"source","documentId","partitionKey"}, ...]}
 *     → 200 {"versions":[{"version":{"lsn","ts"},"deleted":bool} | null, ...]}   one entry per ref, in order
 *   {"query":"list","source":"...","limit":n,"cursor":null | "<the last answer's cursor>"}
 *     → 200 {"documents":[{"source","documentId","partitionKey","version","deleted"}, ...],"cursor":"..." | null}
 *
 * Any other answer is a permanent error: refusals as `WEBHOOK_QUERY_<status>`, a body that breaks the protocol as
 * `WEBHOOK_QUERY_INVALID`.
 */
import { z } from 'zod';
import { eventVersionSchema, partitionKeyValueSchema } from '../../events/envelope.js';
import { throwIfShuttingDown } from '../../lifecycle/shutdown.js';
import { mapBounded } from '../../map-bounded.js';
import { chunk } from '../read-back.js';
import { TargetError, type DocumentRef, type HeldDocument, type HeldVersion } from '../target.js';
import { failureOf, networkFailure, signedPost, type ExchangeSettings } from './exchange.js';
import { readBodyText } from './http.js';
import { withWebhookRetries, type RetryClock, type RetryPolicy, type RetryResult } from './retry.js';

export interface QuerySettings {
  /** The exchange settings with `url` = the receiver's `versionsUrl`. */
  exchange: ExchangeSettings;
  retry: RetryPolicy;
  clock: RetryClock;
  /** The origin of `versionsUrl`, for messages (paths often hold tokens). */
  origin: string;
  pageSize: number;
  concurrency: number;
}

const heldVersionSchema = z.object({ version: eventVersionSchema, deleted: z.boolean() });
const versionsAnswer = z.object({ versions: z.array(heldVersionSchema.nullable()) });
const listAnswer = z.object({
  documents: z.array(
    heldVersionSchema.extend({
      source: z.string(),
      documentId: z.string().min(1),
      partitionKey: partitionKeyValueSchema,
    }),
  ),
  cursor: z.string().min(1).nullable(),
});

/** 10,000 documents of a few hundred bytes fit several times over; more means a receiver ignoring `limit`. */
const ANSWER_READ_BYTES = 16 * 1024 * 1024;

type Answered = { kind: 'answered'; text: string } | { kind: 'refused'; status: number; excerpt: string };

const invalid = (settings: QuerySettings, detail: string, cause?: unknown): TargetError =>
  TargetError.permanent('WEBHOOK_QUERY_INVALID', `webhook ${settings.origin}: query answer ${detail}`, cause);

/** One query, retried like a delivery; returns the validated answer or throws a TargetError. */
async function ask<T>(settings: QuerySettings, body: object, schema: z.ZodType<T>, signal?: AbortSignal): Promise<T> {
  const text = JSON.stringify(body);
  const send = async (): Promise<Answered | RetryResult> => {
    try {
      const response = await signedPost(settings.exchange, text, {}, signal);
      if (response.status < 200 || response.status >= 300) return await failureOf(response, settings.exchange.now());
      const read = await readBodyText(response, ANSWER_READ_BYTES);
      if (!read.complete) throw invalid(settings, `is over ${ANSWER_READ_BYTES} bytes; lower queryPageSize`);
      return { kind: 'answered', text: read.text };
    } catch (error) {
      if (error instanceof TargetError) throw error;
      throwIfShuttingDown(signal);
      return networkFailure(error, settings.exchange.timeoutMs);
    }
  };
  const what = `webhook ${settings.origin}: query`;
  const result = await withWebhookRetries(send, settings.retry, settings.clock, what, signal);
  if (result.kind === 'refused') {
    throw TargetError.permanent(
      `WEBHOOK_QUERY_${result.status}`,
      `webhook ${settings.origin} refused a query with ${result.status}` +
        (result.excerpt ? `: ${result.excerpt}` : ''),
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(result.text);
  } catch (error) {
    throw invalid(settings, 'is not JSON', error);
  }
  const checked = schema.safeParse(parsed);
  if (!checked.success) throw invalid(settings, `does not match the protocol: ${checked.error.message}`);
  return checked.data;
}

export async function queryVersions(
  settings: QuerySettings,
  refs: readonly DocumentRef[],
  signal?: AbortSignal,
): Promise<Array<HeldVersion | undefined>> {
  const pages = await mapBounded(chunk(refs, settings.pageSize), settings.concurrency, async (page) => {
    const request = {
      query: 'versions',
      refs: page.map(({ source, documentId, partitionKey }) => ({ source, documentId, partitionKey })),
    };
    const { versions } = await ask(settings, request, versionsAnswer, signal);
    if (versions.length !== page.length) {
      throw invalid(settings, `holds ${versions.length} versions for ${page.length} refs`);
    }
    return versions.map((held) => held ?? undefined);
  });
  return pages.flat();
}

export async function* queryListing(
  settings: QuerySettings,
  source: string,
  signal?: AbortSignal,
): AsyncIterable<HeldDocument[]> {
  let cursor: string | null = null;
  do {
    const request = { query: 'list', source, limit: settings.pageSize, cursor };
    const answer: z.infer<typeof listAnswer> = await ask(settings, request, listAnswer, signal);
    if (answer.documents.length > settings.pageSize)
      throw invalid(settings, `exceeds the limit of ${settings.pageSize}`);
    if (answer.documents.some((document) => document.source !== source)) {
      throw invalid(settings, `lists documents of another source than ${source}`);
    }
    // A receiver that hands back the cursor it was given would make the walk go on forever.
    if (answer.cursor !== null && answer.cursor === cursor) throw invalid(settings, 'repeats the cursor it was given');
    cursor = answer.cursor;
    if (answer.documents.length > 0) yield answer.documents;
  } while (cursor !== null);
}
