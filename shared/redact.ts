/**
 * One redaction helper for every boundary where text leaves the app: log lines, error messages that are stored (state
 * and metrics rows, poison records) or shown (status report, dashboard, CLI). Secrets reach such text through SDK
 * error messages that quote a connection string or a URL, through configuration errors, and through receivers that
 * echo a request. Redaction works on the text's shape, so it also covers secrets the app never saw as settings:
 *
 * - connection-string pairs whose value is a credential (`AccountKey=`, `SharedAccessKey=`, `SharedAccessSignature=`,
 *   `Password=`, ...), as Azure Storage, Service Bus, Cosmos DB and ADO-style strings write them;
 * - URL query parameters that carry credentials (`sig=` of a SAS token, `token=`, `code=` of a function key, ...);
 * - the password in a URL's user info (`postgres://user:password@host`, `redis://:password@host`);
 * - `Authorization: Bearer` / `Basic` values;
 * - and, by value, secrets whose form says nothing (webhook HMAC secrets, function keys), once registered with
 *   `registerSecret`.
 *
 * The replacement keeps the name (`AccountKey=***`), so a reader still sees which credential was involved.
 */

export const REDACTED = '***';

/** Connection-string keys whose value is a credential (matched case-insensitively, at a pair boundary). */
const PAIR_KEYS = [
  'AccountKey',
  'SharedAccessKey',
  'SharedAccessSignature',
  'SharedSecretValue',
  'Password',
  'Pwd',
  'AccessKey',
  'ApiKey',
  'ClientSecret',
];

/** URL query parameters whose value is a credential. `sig` is the signature of an Azure SAS token. */
const QUERY_KEYS = [
  'sig',
  'signature',
  'token',
  'access_token',
  'id_token',
  'refresh_token',
  'code',
  'key',
  'apikey',
  'api_key',
  'api-key',
  'secret',
  'client_secret',
  'password',
  'pwd',
  'auth',
];

// A pair starts the text or follows a separator (`;`, whitespace, a quote, `(`); the value runs to the end of the
// token. Service Bus SAS values start with the word itself and a space (`SharedAccessSignature=SharedAccessSignature
// sr=...&sig=...`), hence the optional prefix; `&` stays inside the value, as in a storage SAS (`sv=...&sig=...`).
const PAIR_PATTERN = new RegExp(
  `(^|[;\\s"'(\\[{,])((?:${PAIR_KEYS.join('|')})\\s*=\\s*)(?:SharedAccessSignature\\s+)?[^;\\s"'<>]+`,
  'gi',
);
const QUERY_PATTERN = new RegExp(`([?&](?:${QUERY_KEYS.join('|')})=)[^&#\\s"'<>]+`, 'gi');
// scheme://user:password@ : the user stays (it says which account), the password goes. An empty user is redis's form.
const USERINFO_PATTERN = /\b([a-z][a-z0-9+.-]*:\/\/[^\s/:@"'<>]*):([^\s/@"'<>]+)@/gi;
/** Passwords that are documentation, not secrets: examples in messages ("postgres://user:password@host") stay. */
const PLACEHOLDERS = new Set(['password', '<password>', 'pass', REDACTED]);
// A credential has a digit or punctuation somewhere (base64, a JWT's dots); prose such as "Basic authentication"
// has neither and stays.
const AUTHORIZATION_PATTERN =
  /\b(Bearer|Basic|SharedAccessSignature)(\s+)(?=\S*[0-9+/=._%&-])[A-Za-z0-9._~+/=%&:-]{8,}/g;

/** Values registered as secrets; bounded so a misuse cannot grow it without end. */
const known = new Set<string>();
const MAX_KNOWN = 256;
/** Shorter values are not replaced by value: "true" or a port number would be erased from every line. */
export const MIN_KNOWN_SECRET_LENGTH = 8;

/**
 * Makes `value` redacted wherever it appears, whatever its form (a webhook secret, a function key). Values shorter
 * than `MIN_KNOWN_SECRET_LENGTH` are ignored; configuration already refuses such short secrets.
 */
export function registerSecret(value: string | undefined): void {
  const secret = value?.trim();
  if (!secret || secret.length < MIN_KNOWN_SECRET_LENGTH || known.has(secret)) return;
  // The JSON-escaped form too: log lines are redacted after serialization, where `"` and `\` appear escaped.
  for (const form of new Set([secret, JSON.stringify(secret).slice(1, -1)])) {
    if (known.size >= MAX_KNOWN) known.delete(known.values().next().value as string);
    known.add(form);
  }
}

/** The text with every recognisable secret replaced by `***`. Idempotent. */
export function redactSecrets(text: string): string {
  let out = text;
  for (const secret of known) {
    if (out.includes(secret)) out = out.split(secret).join(REDACTED);
  }
  return out
    .replace(PAIR_PATTERN, (_match, lead: string, name: string) => `${lead}${name}${REDACTED}`)
    .replace(QUERY_PATTERN, `$1${REDACTED}`)
    .replace(USERINFO_PATTERN, (match, lead: string, password: string) =>
      PLACEHOLDERS.has(password.toLowerCase()) ? match : `${lead}:${REDACTED}@`,
    )
    .replace(AUTHORIZATION_PATTERN, `$1$2${REDACTED}`);
}

/** Redacts every string inside a JSON-like value (objects, arrays), leaving other values as they are. */
export function redactDeep<T>(value: T): T {
  if (typeof value === 'string') return redactSecrets(value) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => redactDeep(item)) as T;
  if (value !== null && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[key] = redactDeep(item);
    return out as T;
  }
  return value;
}
