/**
 * Start-up checks of connection strings, so a typo (`Endpiont=`, `UseDevelopmentStorge=true`, `redsi://`) stops the
 * app with the setting named instead of failing at the first batch inside an SDK. Messages name keys and schemes,
 * never values: connection strings carry keys and passwords.
 */
import type { ConnectionService } from './connections.js';

/** `Key=value;Key=value` parts, keys lower-cased as the SDKs compare them; values may contain "=" (base64 keys). */
function partsOf(text: string): Map<string, string> {
  const parts = new Map<string, string>();
  for (const part of text.split(';')) {
    const trimmed = part.trim();
    if (!trimmed) continue;
    const at = trimmed.indexOf('=');
    parts.set((at < 0 ? trimmed : trimmed.slice(0, at)).trim().toLowerCase(), at < 0 ? '' : trimmed.slice(at + 1));
  }
  return parts;
}

function isUrl(text: string | undefined, protocols: readonly string[]): boolean {
  if (!text) return false;
  try {
    return protocols.includes(new URL(text).protocol);
  } catch {
    return false;
  }
}

/** The scheme of a URL-shaped string, for messages (never the rest: it may hold a password). */
function schemeOf(text: string): string {
  return /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(text)?.[1] ?? '(none)';
}

/** Keys the Azure Storage connection string format documents; anything else is a typo the SDK would ignore. */
const STORAGE_KEYS = [
  'DefaultEndpointsProtocol',
  'AccountName',
  'AccountKey',
  'EndpointSuffix',
  'BlobEndpoint',
  'QueueEndpoint',
  'TableEndpoint',
  'FileEndpoint',
  'SharedAccessSignature',
  'UseDevelopmentStorage',
  'DevelopmentStorageProxyUri',
];

function storageProblem(setting: string, parts: Map<string, string>): string | undefined {
  const known = new Set(STORAGE_KEYS.map((key) => key.toLowerCase()));
  const unknown = [...parts.keys()].filter((key) => !known.has(key));
  if (unknown.length > 0) {
    return `${setting}: unknown connection string key ${unknown.map((key) => `"${key}"`).join(', ')}; known keys: ${STORAGE_KEYS.join(', ')}`;
  }
  if (parts.get('usedevelopmentstorage')?.toLowerCase() === 'true') return undefined;
  const hasEndpoint = ['blobendpoint', 'tableendpoint', 'queueendpoint', 'fileendpoint'].some((key) => parts.has(key));
  if (parts.has('accountname') || hasEndpoint) return undefined;
  return `${setting}: expected "UseDevelopmentStorage=true", or "AccountName=<name>;AccountKey=<key>;..." with optional <Service>Endpoint= entries`;
}

/** What is wrong with a connection string for `service`, or undefined when its shape is usable. */
export function connectionStringProblem(
  setting: string,
  service: ConnectionService | 'storage',
  text: string,
): string | undefined {
  // App Service replaces a Key Vault reference with the secret before the app starts; the deployment checks
  // (test/infra) parse the settings as the template writes them, so the reference itself is left unchecked.
  if (/^@Microsoft\.KeyVault\(/i.test(text)) return undefined;
  switch (service) {
    case 'cosmos': {
      const parts = partsOf(text);
      if (isUrl(parts.get('accountendpoint'), ['http:', 'https:']) && parts.get('accountkey')) return undefined;
      return `${setting}: expected "AccountEndpoint=https://<account>.documents.azure.com:443/;AccountKey=<key>;" (found keys: ${[...parts.keys()].join(', ') || 'none'})`;
    }
    case 'serviceBus': {
      const parts = partsOf(text);
      const endpoint = isUrl(parts.get('endpoint'), ['sb:', 'amqps:', 'amqp:', 'https:']);
      if (endpoint && (parts.get('sharedaccesskey') || parts.get('sharedaccesssignature'))) return undefined;
      return `${setting}: expected "Endpoint=sb://<namespace>.servicebus.windows.net/;SharedAccessKeyName=<name>;SharedAccessKey=<key>" (found keys: ${[...parts.keys()].join(', ') || 'none'})`;
    }
    case 'postgres':
      // pg also takes libpq keyword strings ("host=... dbname=..."); only URL-shaped values are checked.
      if (!text.includes('://') || isUrl(text, ['postgres:', 'postgresql:'])) return undefined;
      return `${setting}: expected a postgres:// or postgresql:// URL, got scheme "${schemeOf(text)}"`;
    case 'redis':
      if (isUrl(text, ['redis:', 'rediss:'])) return undefined;
      return `${setting}: expected a redis:// or rediss:// URL, got scheme "${schemeOf(text)}"`;
    case 'storage':
      return storageProblem(setting, partsOf(text));
  }
}
