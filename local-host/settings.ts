/**
 * App settings as triggers read them: `%Name%` expressions in trigger options, and connections named by an app
 * setting. Identity-based connections (`<name>__accountEndpoint`, `<name>__fullyQualifiedNamespace`) need Azure AD,
 * which the local stack does not have, so they are refused with a message that says what to set instead.
 */
export type Env = Readonly<Record<string, string | undefined>>;

/**
 * The Functions host's switch for one function: the app setting `AzureWebJobs.<name>.Disabled` set to true (or 1).
 * Shells cannot export names with dots, so `AzureWebJobs_<name>_Disabled` works too. A disabled function is not run.
 */
export function isFunctionDisabled(name: string, env: Env): boolean {
  const value = env[`AzureWebJobs.${name}.Disabled`] ?? env[`AzureWebJobs_${name}_Disabled`];
  return value !== undefined && /^(true|1)$/i.test(value.trim());
}

/** Replaces every `%Name%` with the app setting's value, as the host's name resolver does for trigger options. */
export function resolveSettingExpressions(value: string, env: Env, what: string): string {
  return value.replace(/%([^%]+)%/g, (_match, name: string) => {
    const resolved = env[name];
    if (resolved === undefined) throw new Error(`${what}: app setting "${name}" (from "%${name}%") is not set`);
    return resolved;
  });
}

/** Every string option of a trigger binding with `%Name%` resolved; `connection` options are setting names, not expressions. */
export function resolveBindingStrings<T extends Record<string, unknown>>(binding: T, env: Env, what: string): T {
  const out: Record<string, unknown> = { ...binding };
  for (const [key, value] of Object.entries(binding)) {
    if (typeof value === 'string' && !/connection$/i.test(key)) {
      out[key] = resolveSettingExpressions(value, env, `${what}: ${key}`);
    }
  }
  return out as T;
}

export function connectionString(env: Env, name: string, identitySuffix: string, what: string): string {
  const value = env[name] ?? env[`ConnectionStrings:${name}`];
  if (value !== undefined && value.trim() !== '') return value.trim();
  if (env[`${name}__${identitySuffix}`] !== undefined) {
    throw new Error(
      `${what}: connection "${name}" is identity-based (${name}__${identitySuffix}); the local host supports ` +
        `connection strings only. Set the app setting "${name}" to a connection string for the local stack.`,
    );
  }
  throw new Error(`${what}: app setting "${name}" (the connection) is not set. Make sure it exists and has a value.`);
}

/** `Key=value;Key=value;` with case-insensitive keys; values may contain "=" (keys never do). */
export function parseConnectionString(text: string): Map<string, string> {
  const parts = new Map<string, string>();
  for (const part of text.split(';')) {
    const at = part.indexOf('=');
    if (at > 0) parts.set(part.slice(0, at).trim().toLowerCase(), part.slice(at + 1).trim());
  }
  return parts;
}

export interface CosmosAccount {
  endpoint: string;
  key: string;
}

export function cosmosAccount(env: Env, connectionName: string, what: string): CosmosAccount {
  const parts = parseConnectionString(connectionString(env, connectionName, 'accountEndpoint', what));
  const endpoint = parts.get('accountendpoint');
  const key = parts.get('accountkey');
  if (!endpoint || !key) {
    throw new Error(
      `${what}: the connection "${connectionName}" is in an invalid format, please use AccountEndpoint=XXXXXX;AccountKey=XXXXXX;`,
    );
  }
  return { endpoint, key };
}
