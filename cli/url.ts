/**
 * Where the status lives. Users paste what they have: the app's base address, one ending in /api, or the full
 * function URL the portal shows (with `?code=<key>`); all of them lead to `<base>/api/status`, query kept.
 */
import { UsageError } from './errors.js';

export const DEFAULT_BASE_URL = 'http://localhost:7071';

export function statusUrl(base: string): URL {
  let url: URL;
  try {
    url = new URL(base.trim());
  } catch {
    throw new UsageError(
      `"${base}" is not a URL; expected an http(s) address such as ${DEFAULT_BASE_URL} or https://<app>.azurewebsites.net`,
    );
  }
  if (!base.includes('://')) {
    throw new UsageError(
      `"${base}" has no scheme; did you mean http://${base.trim()} (local) or https://${base.trim()} (Azure)?`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UsageError(
      `"${base}" is not an http(s) URL; expected e.g. ${DEFAULT_BASE_URL} or https://<app>.azurewebsites.net`,
    );
  }
  const path = url.pathname.replace(/\/+$/, '');
  if (path.endsWith('/api/status')) url.pathname = path;
  else if (path.endsWith('/api')) url.pathname = `${path}/status`;
  else url.pathname = `${path}/api/status`;
  url.hash = '';
  return url;
}

/** The URL for messages and headers: a function key in `?code=` (or a password) is never printed. */
export function displayUrl(url: URL): string {
  const shown = new URL(url.href);
  if (shown.searchParams.has('code')) shown.searchParams.set('code', '***');
  if (shown.password !== '') shown.password = '***';
  return shown.href.replace('code=***', 'code=…');
}

export function isLoopback(url: URL): boolean {
  return ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
}
