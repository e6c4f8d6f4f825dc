/** One Azure credential per client id, shared by every identity-based client of the process. */
import { DefaultAzureCredential, ManagedIdentityCredential, type TokenCredential } from '@azure/identity';

const credentials = new Map<string, TokenCredential>();

/**
 * A user-assigned identity when a client id is configured (`<NAME>__clientId`), otherwise the default chain, which
 * finds the system-assigned identity in Azure and a developer's sign-in locally.
 */
export function credentialFor(clientId: string | undefined): TokenCredential {
  const key = clientId ?? '';
  let credential = credentials.get(key);
  if (!credential) {
    credential = clientId ? new ManagedIdentityCredential({ clientId }) : new DefaultAzureCredential();
    credentials.set(key, credential);
  }
  return credential;
}
