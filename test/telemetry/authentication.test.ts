/**
 * APPLICATIONINSIGHTS_AUTHENTICATION_STRING: its documented forms, the start-up problem for any other, and the
 * exporter's credential built from the identity it names (unit level: no exporter, no network).
 */
import { DefaultAzureCredential, ManagedIdentityCredential } from '@azure/identity';
import { describe, expect, it } from 'vitest';
import { credentialFor } from '../../shared/clients/credential.js';
import { parseConfig } from '../../shared/config/load.js';
import { ConfigError } from '../../shared/errors.js';
import { parseAuthenticationString } from '../../shared/telemetry/authentication.js';
import { exporterOptionsOf } from '../../shared/telemetry/provider.js';

const CLIENT_ID = '6f1c2a3b-4d5e-4f60-8a7b-9c0d1e2f3a4b';
const CONNECTION_STRING = 'InstrumentationKey=00000000-0000-0000-0000-000000000000;IngestionEndpoint=https://x/';

const minimal = {
  ServiceBus: 'Endpoint=sb://127.0.0.1:5673;SharedAccessKeyName=k;SharedAccessKey=v;UseDevelopmentEmulator=true;',
  AzureWebJobsStorage: 'UseDevelopmentStorage=true',
  CosmosSource: 'AccountEndpoint=http://127.0.0.1:8081/;AccountKey=a2V5;',
  COSMOS_SYNC_SOURCES: '[{"name":"orders","database":"shop","container":"orders","partitionKeyPaths":["/customerId"]}]',
};

const settingOf = (value: string | undefined) =>
  parseConfig({ ...minimal, APPLICATIONINSIGHTS_AUTHENTICATION_STRING: value }).settings
    .APPLICATIONINSIGHTS_AUTHENTICATION_STRING;

describe('APPLICATIONINSIGHTS_AUTHENTICATION_STRING', () => {
  it('reads the system-assigned form, the user-assigned form, and nothing', () => {
    expect(settingOf('Authorization=AAD')).toEqual({ clientId: undefined });
    expect(settingOf(`Authorization=AAD;ClientId=${CLIENT_ID}`)).toEqual({ clientId: CLIENT_ID });
    // Keys in any case, spaces and a trailing ";" as people paste them.
    expect(settingOf(` authorization = aad ; clientid = ${CLIENT_ID} ; `)).toEqual({ clientId: CLIENT_ID });
    expect(settingOf('')).toBeUndefined();
    expect(settingOf(undefined)).toBeUndefined();
  });

  it.each([
    'AAD',
    'Authorization=Key',
    'Authorization=',
    `ClientId=${CLIENT_ID}`,
    'Authorization=AAD;ClientId=',
    'Authorization=AAD;ClientId=my-identity',
    'Authorization=AAD;Client=abc',
    'Authorization=AAD;Authorization=AAD',
    'Authorization=AAD=true',
  ])('rejects "%s" at start-up, naming the setting and the expected forms', (value) => {
    let problems: readonly string[] = [];
    try {
      parseConfig({ ...minimal, APPLICATIONINSIGHTS_AUTHENTICATION_STRING: value });
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems = error.problems;
    }
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^APPLICATIONINSIGHTS_AUTHENTICATION_STRING: /);
    expect(problems[0]).toContain(
      'expected "Authorization=AAD" (system-assigned managed identity) or ' +
        '"Authorization=AAD;ClientId=<client id GUID>" (user-assigned managed identity)',
    );
    expect(problems[0]).toContain(`got "${value}"`);
  });

  it('says what is wrong with a client id that is not a GUID', () => {
    expect(parseAuthenticationString('Authorization=AAD;ClientId=abc')).toMatch(/^ClientId must be the identity's/);
  });
});

describe('the metrics exporter credential', () => {
  it('is the user-assigned managed identity of the ClientId', () => {
    const options = exporterOptionsOf(CONNECTION_STRING, { authentication: { clientId: CLIENT_ID } });
    expect(options.connectionString).toBe(CONNECTION_STRING);
    expect(options.credential).toBeInstanceOf(ManagedIdentityCredential);
    // credentialFor keeps one credential per client id: the same instance means this client id reached it.
    expect(options.credential).toBe(credentialFor(CLIENT_ID));
  });

  it('is the default chain (system-assigned identity in Azure) without a ClientId', () => {
    const options = exporterOptionsOf(CONNECTION_STRING, { authentication: { clientId: undefined } });
    expect(options.credential).toBeInstanceOf(DefaultAzureCredential);
    expect(options.credential).toBe(credentialFor(undefined));
  });

  it('is absent without the setting (instrumentation key ingestion), keeping other exporter options', () => {
    const options = exporterOptionsOf(CONNECTION_STRING, { exporterOptions: { disableOfflineStorage: true } });
    expect(options).toEqual({ connectionString: CONNECTION_STRING, disableOfflineStorage: true });
  });
});
