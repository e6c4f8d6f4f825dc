/**
 * `APPLICATIONINSIGHTS_AUTHENTICATION_STRING`: the app setting the Functions host reads to send its own telemetry to
 * an Application Insights resource that accepts only Microsoft Entra ID (local authentication disabled). The metrics
 * exporter reads the same setting so that one setting covers both: `Authorization=AAD` for the system-assigned
 * identity, `Authorization=AAD;ClientId=<guid>` for a user-assigned one.
 */
export const AUTHENTICATION_SETTING = 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING';

export interface AppInsightsAuthentication {
  /** The user-assigned identity's client id; undefined for the system-assigned identity (default credential chain). */
  clientId: string | undefined;
}

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const EXPECTED =
  'expected "Authorization=AAD" (system-assigned managed identity) or ' +
  '"Authorization=AAD;ClientId=<client id GUID>" (user-assigned managed identity)';

/**
 * The identity an authentication string names, or a problem (without the setting name, which the caller adds).
 * Keys are matched without regard to case, as the host does; anything else is refused rather than ignored, so that a
 * typo cannot silently fall back to the system-assigned identity.
 */
export function parseAuthenticationString(text: string): AppInsightsAuthentication | string {
  const got = `, got "${text}"`;
  const fields = new Map<string, string>();
  for (const part of text.split(';').filter((field) => field.trim() !== '')) {
    const [key, value, ...rest] = part.split('=').map((piece) => piece.trim());
    const name = key?.toLowerCase() ?? '';
    if (value === undefined || rest.length > 0 || fields.has(name)) return EXPECTED + got;
    fields.set(name, value);
  }
  if (fields.get('authorization')?.toUpperCase() !== 'AAD') return EXPECTED + got;
  const clientId = fields.get('clientid');
  if ([...fields.keys()].some((name) => name !== 'authorization' && name !== 'clientid')) return EXPECTED + got;
  if (clientId !== undefined && !GUID.test(clientId)) {
    return `ClientId must be the identity's client id, a GUID; ${EXPECTED}${got}`;
  }
  return { clientId };
}
