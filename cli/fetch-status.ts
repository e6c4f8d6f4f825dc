/**
 * GET <base>/api/status and turn every way it can go wrong into one StatusUnavailableError whose message names the
 * cause and the next step. The function key travels in the `x-functions-key` header (never in the URL we print).
 */
import { statusReportSchema, STATUS_SCHEMA_VERSION, type StatusReport } from '../shared/status/report.js';
import { StatusUnavailableError, type StatusErrorCode } from './errors.js';
import { displayUrl, isLoopback } from './url.js';
import { messageOf } from '../shared/errors.js';
import { redactDeep, registerSecret } from '../shared/redact.js';

export interface FetchStatusOptions {
  url: URL;
  key?: string;
  timeoutMs: number;
  /** Aborts the request early (Ctrl-C in watch mode). */
  signal?: AbortSignal;
}

function fail(code: StatusErrorCode, message: string, cause?: unknown): never {
  throw new StatusUnavailableError(code, message, cause === undefined ? undefined : { cause });
}

/** undici puts the socket error in `cause`; with several addresses tried (happy eyeballs) it is an AggregateError. */
function socketCode(error: unknown): string | undefined {
  const cause = (error as { cause?: unknown }).cause;
  if (typeof cause !== 'object' || cause === null) return undefined;
  const { code, errors } = cause as { code?: unknown; errors?: unknown };
  if (typeof code === 'string') return code;
  if (Array.isArray(errors)) {
    const first = errors[0] as { code?: unknown } | undefined;
    if (typeof first?.code === 'string') return first.code;
  }
  return undefined;
}

function isTimeout(error: unknown): boolean {
  return error instanceof Error && error.name === 'TimeoutError';
}

function networkFailure(error: unknown, url: URL, shown: string, timeoutMs: number): never {
  if (isTimeout(error)) {
    fail(
      'STATUS_TIMEOUT',
      `no answer from ${shown} within ${timeoutMs} ms — the app may be starting (cold start) or busy; retry, or raise --timeout`,
      error,
    );
  }
  const code = socketCode(error) ?? 'unknown';
  const where = isLoopback(url)
    ? 'is the app running? start it with `npm start`, or pass --url'
    : 'is the app running and is --url (or COSMOS_SYNC_URL) its address?';
  if (code === 'ECONNREFUSED') fail('STATUS_CONNECTION_REFUSED', `connection refused at ${shown} — ${where}`, error);
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') {
    fail(
      'STATUS_HOST_NOT_FOUND',
      `cannot resolve host ${url.hostname} (${code}) — check --url, e.g. https://<app>.azurewebsites.net`,
      error,
    );
  }
  if (/CERT|SSL|TLS|SELF_SIGNED/i.test(code)) {
    fail(
      'STATUS_TLS',
      `TLS failed for ${shown} (${code}) — check the host name in --url, or set NODE_EXTRA_CA_CERTS for a private CA`,
      error,
    );
  }
  // undici's own message is a bare "fetch failed"; the cause says what failed (e.g. "bad port").
  const cause = (error as { cause?: unknown }).cause;
  const detail = cause instanceof Error ? cause.message : messageOf(error);
  const label = code === 'unknown' ? detail : `${code}: ${detail}`;
  fail('STATUS_NETWORK', `could not reach ${shown} (${label}) — ${where}`, error);
}

function excerpt(body: string): string {
  const flat = body.replace(/\s+/g, ' ').trim();
  return flat.length > 120 ? `${flat.slice(0, 119)}…` : flat;
}

function httpFailure(status: number, body: string, shown: string, keyGiven: boolean): never {
  const said = body.trim() === '' ? '' : `: ${excerpt(body)}`;
  if (status === 401) {
    fail(
      'STATUS_UNAUTHORIZED',
      keyGiven
        ? `the function key was refused (HTTP 401 from ${shown}) — check --key / COSMOS_SYNC_FUNCTION_KEY (az functionapp function keys list, or the host key)`
        : `${shown} needs a function key (HTTP 401) — pass --key or set COSMOS_SYNC_FUNCTION_KEY`,
    );
  }
  if (status === 403) {
    fail(
      'STATUS_FORBIDDEN',
      `access denied (HTTP 403 from ${shown}${said}) — the app may be stopped, or access restrictions or App Service authentication block this client; check the key and the app's networking`,
    );
  }
  if (status === 404) {
    fail(
      'STATUS_NOT_FOUND',
      `no status endpoint at ${shown} (HTTP 404) — check --url (the function app's base address; the CLI adds /api/status) and that the deployed app includes the status function`,
    );
  }
  if (status >= 500) {
    fail(
      'STATUS_SERVER_ERROR',
      `the app failed to answer (HTTP ${status} from ${shown}${said}) — it may be starting or failing; see its logs (the \`npm start\` output, or Application Insights in Azure) and retry`,
    );
  }
  fail('STATUS_HTTP', `unexpected HTTP ${status} from ${shown}${said} — check --url`);
}

/** "targets[0].backlog.active" */
export function issuePath(path: ReadonlyArray<PropertyKey>): string {
  let text = '';
  for (const part of path) text += typeof part === 'number' ? `[${part}]` : `${text === '' ? '' : '.'}${String(part)}`;
  return text === '' ? '(root)' : text;
}

export function parseReport(body: string, contentType: string, shown: string): StatusReport {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    const type = contentType === '' ? 'no content type' : `content type ${contentType}`;
    fail(
      'STATUS_INVALID_JSON',
      `the answer from ${shown} is not JSON (${type}, starts "${excerpt(body).slice(0, 40)}") — check that --url is the cosmos-sync function app`,
      error,
    );
  }
  const version = (json as { schemaVersion?: unknown } | null)?.schemaVersion;
  if (typeof version === 'number' && version !== STATUS_SCHEMA_VERSION) {
    fail(
      'STATUS_SCHEMA_VERSION',
      `${shown} reports status schema version ${version}; this CLI reads version ${STATUS_SCHEMA_VERSION} — use the CLI from the same cosmos-sync version as the app`,
    );
  }
  const parsed = statusReportSchema.safeParse(json);
  if (!parsed.success) {
    const [first, ...rest] = parsed.error.issues;
    const more = rest.length === 0 ? '' : ` (and ${rest.length} more)`;
    fail(
      'STATUS_SCHEMA_MISMATCH',
      `the status from ${shown} does not match the status schema at ${issuePath(first?.path ?? [])}: ${first?.message ?? 'invalid'}${more} — the app and the CLI are from different cosmos-sync versions; update the older one`,
      parsed.error,
    );
  }
  return parsed.data;
}

/**
 * Follows redirects only within the origin, or from http to https on the default port of the same host (as an app
 * with HTTPS Only answers): fetch keeps custom headers across origins, so following one elsewhere would hand the
 * function key to that host. Any other redirect comes back as the 3xx itself, reported as an unexpected status.
 */
async function fetchSameHost(url: URL, headers: Record<string, string>, signal: AbortSignal): Promise<Response> {
  let current = url;
  for (let hop = 0; ; hop += 1) {
    const response = await fetch(current, { headers, signal, redirect: 'manual' });
    const location = response.headers.get('location');
    if (response.status < 300 || response.status > 399 || location === null || hop >= 5) return response;
    const next = new URL(location, current);
    const upgrade = current.protocol === 'http:' && next.protocol === 'https:' && next.hostname === current.hostname;
    if (next.origin !== current.origin && !(upgrade && next.port === '')) return response;
    await response.body?.cancel();
    current = next;
  }
}

export async function fetchStatus(options: FetchStatusOptions): Promise<StatusReport> {
  const { url, key, timeoutMs } = options;
  const shown = displayUrl(url);
  const timeout = AbortSignal.timeout(timeoutMs);
  const signal = options.signal === undefined ? timeout : AbortSignal.any([timeout, options.signal]);
  const headers: Record<string, string> = { accept: 'application/json', 'user-agent': 'cosmos-sync-cli' };
  if (key !== undefined && key !== '') headers['x-functions-key'] = key;
  // An error body may echo the key (a proxy's diagnostic page, a misconfigured app): it is never printed.
  registerSecret(key);
  let status: number;
  let contentType: string;
  let body: string;
  try {
    const response = await fetchSameHost(url, headers, signal);
    status = response.status;
    contentType = response.headers.get('content-type') ?? '';
    body = await response.text(); // the timeout covers the body too
  } catch (error) {
    networkFailure(error, url, shown, timeoutMs);
  }
  if (status < 200 || status > 299) httpFailure(status, body, shown, headers['x-functions-key'] !== undefined);
  // An app from before redaction existed may send secrets quoted in errors; neither the table nor --json shows them.
  return redactDeep(parseReport(body, contentType, shown));
}
