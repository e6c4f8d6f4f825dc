/**
 * Turning what an HTTP function returned into the HTTP response, as the Node.js worker does: an `HttpResponse` as
 * it is, an `HttpResponseInit` object through `new HttpResponse(...)` (so `jsonBody`, `status`, `headers` and
 * `cookies` behave exactly like in Azure), nothing at all as 204, anything else as a function error.
 */
import type { ServerResponse } from 'node:http';
// Default import: Node's ESM loader cannot see the class exports of this webpack-built CommonJS bundle by name.
import azureFunctions, { type Cookie, type HttpResponse, type HttpResponseInit } from '@azure/functions';

const { HttpResponse: HttpResponseClass } = azureFunctions;

export function toHttpResponse(result: unknown): HttpResponse {
  if (result === undefined || result === null) return new HttpResponseClass({ status: 204 });
  if (result instanceof HttpResponseClass) return result;
  if (typeof result !== 'object') {
    throw new Error(
      'The HTTP response must be an object with optional properties "body", "status", "headers", and "cookies".',
    );
  }
  return new HttpResponseClass(result as HttpResponseInit);
}

function cookieHeader(cookie: Cookie): string {
  const parts = [`${cookie.name}=${encodeURIComponent(cookie.value)}`];
  if (cookie.domain) parts.push(`Domain=${cookie.domain}`);
  if (cookie.path) parts.push(`Path=${cookie.path}`);
  if (cookie.expires !== undefined) parts.push(`Expires=${new Date(cookie.expires).toUTCString()}`);
  if (cookie.maxAge !== undefined) parts.push(`Max-Age=${cookie.maxAge}`);
  if (cookie.secure) parts.push('Secure');
  if (cookie.httpOnly) parts.push('HttpOnly');
  if (cookie.sameSite) parts.push(`SameSite=${cookie.sameSite}`);
  return parts.join('; ');
}

export async function writeHttpResponse(response: HttpResponse, res: ServerResponse): Promise<void> {
  const body = Buffer.from(await response.arrayBuffer());
  res.statusCode = response.status;
  for (const [name, value] of response.headers.entries()) {
    if (name.toLowerCase() !== 'set-cookie') res.setHeader(name, value);
  }
  const cookies = [...response.headers.getSetCookie(), ...response.cookies.map(cookieHeader)];
  if (cookies.length > 0) res.setHeader('set-cookie', cookies);
  res.setHeader('content-length', body.length);
  res.end(body);
}

export function writeJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
  });
  res.end(text);
}
