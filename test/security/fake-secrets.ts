/**
 * Recognisable fake secrets, one per form the app can meet, and connection settings that carry them. Every value
 * starts with "FAKE" so a leak is found by grepping for the value (each one) and for the marker.
 */
export const SECRETS = {
  cosmosKey: 'FAKEcosmosKEY0123456789abcdefghijklmnopqrstuvwxyz+/ABCDEFGH==',
  serviceBusKey: 'FAKEsbKEY0123456789abcdefghijklmnopqrstu=',
  storageKey: 'FAKEstorageKEY0123456789abcdefghijklmnopqrstuvwxyz+/ABCD==',
  sasSignature: 'FAKEsasSIG0123456789abcdef%2Bghij%3D',
  webhookSecret: 'FAKEwebhookSECRET-0123456789abcdefghijklmnop',
  perTargetSecret: 'FAKEperTargetSECRET-0123456789abcdefghijklm',
  postgresPassword: 'FAKEpgPASS9s8d7f',
  redisPassword: 'FAKEredisPASS1x2y',
  urlToken: 'FAKEurlTOKEN77aa88bb',
  functionKey: 'FAKEfunctionKEY-abcdefghijklmnopqrstuvwxyz012345==',
} as const;

export const SECRET_VALUES: readonly string[] = Object.values(SECRETS);

/** Every secret found in `text` (empty when nothing leaked), plus the marker itself when a fragment survived. */
export function leaksIn(text: string): string[] {
  const found = SECRET_VALUES.filter((secret) => text.includes(secret));
  if (found.length === 0 && /FAKE/.test(text))
    found.push(text.slice(Math.max(0, text.indexOf('FAKE') - 40), text.indexOf('FAKE') + 40));
  return found;
}

export const COSMOS_CONNECTION = `AccountEndpoint=http://127.0.0.1:1/;AccountKey=${SECRETS.cosmosKey};`;
export const SERVICE_BUS_CONNECTION =
  `Endpoint=sb://127.0.0.1:1;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=${SECRETS.serviceBusKey};` +
  'UseDevelopmentEmulator=true;';
export const STORAGE_CONNECTION =
  `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=${SECRETS.storageKey};` +
  'BlobEndpoint=http://127.0.0.1:1/devstoreaccount1;TableEndpoint=http://127.0.0.1:1/devstoreaccount1;';
export const SAS_URL = `https://acct.blob.core.windows.net/c/b.json?sv=2024-11-04&se=2030-01-01&sp=r&sig=${SECRETS.sasSignature}`;
export const SAS_CONNECTION = `BlobEndpoint=https://acct.blob.core.windows.net/;SharedAccessSignature=sv=2024-11-04&ss=b&srt=sco&sp=rwdlac&se=2030-01-01&sig=${SECRETS.sasSignature}`;
export const postgresUrl = (port: number): string =>
  `postgres://syncuser:${SECRETS.postgresPassword}@127.0.0.1:${port}/test`;
export const redisUrl = (port: number): string => `redis://:${SECRETS.redisPassword}@127.0.0.1:${port}`;
export const webhookUrl = (port: number): string => `http://127.0.0.1:${port}/hooks/x?token=${SECRETS.urlToken}`;
