/**
 * HTTP in the host's terms. A request becomes the `RpcHttp` typed data the host sends a Node.js worker (azure-functions-host,
 * `GrpcMessageConversionExtensions.ToRpcHttp`), given the capabilities that worker declares (`getWorkerCapabilities.ts`):
 * `UseNullableValueDictionaryForHttp` (headers, query and route values as nullable strings, header names lower-cased),
 * `RpcHttpBodyOnly` with `RawHttpBodyBytes` (the body as bytes, only when Content-Length is above zero), and
 * `RpcHttpTriggerMetadataRemoved` (no request in the trigger metadata). What the function returns comes back as
 * `RpcHttp` (from `@azure/functions`' `toRpcHttp`) and is written out the way the host answers with it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RpcHttpCookie, RpcHttpData, RpcNullableString, RpcTypedData } from '../worker/rpc.js';

const nullable = (entries: Iterable<[string, string]>): Record<string, RpcNullableString> =>
  Object.fromEntries([...entries].map(([name, value]) => [name, { value }]));

export function toRpcHttpRequest(
  req: IncomingMessage,
  url: URL,
  body: Buffer,
  params: Record<string, string>,
): RpcHttpData {
  const headers: [string, string][] = [];
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers.push([name.toLowerCase(), Array.isArray(value) ? value.join(',') : value]);
  }
  const contentLength = Number(req.headers['content-length'] ?? 0);
  return {
    url: url.href,
    method: (req.method ?? 'GET').toUpperCase(),
    nullableHeaders: nullable(headers),
    // ASP.NET Core's Request.Query joins repeated keys with a comma, as `pair.Value.ToString()` does.
    nullableQuery: nullable(groupQuery(url.searchParams)),
    nullableParams: nullable(Object.entries(params)),
    ...(contentLength > 0 && body.length > 0 ? { body: { bytes: body } } : {}),
  };
}

function groupQuery(search: URLSearchParams): [string, string][] {
  const grouped = new Map<string, string[]>();
  for (const [name, value] of search) grouped.set(name, [...(grouped.get(name) ?? []), value]);
  return [...grouped].map(([name, values]) => [name, values.join(',')]);
}

/** The HTTP response body bytes of a typed data value, as the host writes them. */
function bodyBytes(data: RpcTypedData | undefined): Buffer {
  if (!data) return Buffer.alloc(0);
  if ('bytes' in data) return Buffer.from(data.bytes);
  if ('string' in data) return Buffer.from(data.string, 'utf8');
  if ('json' in data) return Buffer.from(data.json, 'utf8');
  throw new Error(`an HTTP response body of typed data ${Object.keys(data).join(', ')} is not supported`);
}

function cookieHeader(cookie: RpcHttpCookie): string {
  const parts = [`${cookie.name ?? ''}=${cookie.value ?? ''}`];
  if (cookie.domain?.value) parts.push(`domain=${cookie.domain.value}`);
  if (cookie.path?.value) parts.push(`path=${cookie.path.value}`);
  const seconds = cookie.expires?.value?.seconds;
  if (seconds !== undefined) parts.push(`expires=${new Date(Number(seconds) * 1000).toUTCString()}`);
  if (cookie.maxAge?.value !== undefined) parts.push(`max-age=${Math.trunc(cookie.maxAge.value)}`);
  if (cookie.secure?.value) parts.push('secure');
  if (cookie.sameSite === 'lax' || cookie.sameSite === 'strict') parts.push(`samesite=${cookie.sameSite}`);
  else if (cookie.sameSite === 'explicitNone') parts.push('samesite=none');
  if (cookie.httpOnly?.value) parts.push('httponly');
  return parts.join('; ');
}

/**
 * Writes the function's `$return` value. No value is 204, as the host answers an HTTP function that returned
 * nothing; a value that is not `RpcHttp` is an error of the function (500).
 */
export function writeRpcHttpResponse(returnValue: RpcTypedData | null | undefined, res: ServerResponse): void {
  if (returnValue === null || returnValue === undefined) {
    res.writeHead(204, { 'content-length': 0 }).end();
    return;
  }
  if (!('http' in returnValue)) throw new Error('the HTTP function returned something that is not an HTTP response');
  const http = returnValue.http;
  const status = Number(http.statusCode ?? '200');
  if (!Number.isInteger(status) || status < 100 || status > 999)
    throw new Error(`invalid HTTP status ${http.statusCode}`);
  const body = bodyBytes(http.body);
  res.statusCode = status;
  for (const [name, value] of Object.entries(http.headers ?? {})) {
    if (name.toLowerCase() !== 'content-length') res.setHeader(name, value);
  }
  const cookies = (http.cookies ?? []).map(cookieHeader);
  const existing = res.getHeader('set-cookie');
  if (cookies.length > 0)
    res.setHeader('set-cookie', [...(existing === undefined ? [] : [String(existing)]), ...cookies]);
  res.setHeader('content-length', body.length);
  res.end(body);
}
