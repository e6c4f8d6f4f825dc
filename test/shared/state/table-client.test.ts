import { describe, expect, it } from 'vitest';
import { tableClientFor } from '../../../shared/clients/tables.js';
import type { ResolvedStorageConnection } from '../../../shared/config/storage.js';
import { ConfigError } from '../../../shared/errors.js';

const development: ResolvedStorageConnection = {
  kind: 'connectionString',
  setting: 'AzureWebJobsStorage',
  connectionString: 'UseDevelopmentStorage=true',
};

describe('tableClientFor', () => {
  it('reuses one client per connection and table', () => {
    const a = tableClientFor(development, 'cosmossyncstate');
    expect(tableClientFor({ ...development }, 'cosmossyncstate')).toBe(a);
    expect(tableClientFor(development, 'cosmossyncmetrics')).not.toBe(a);
    expect(a.url).toBe('http://127.0.0.1:10002/devstoreaccount1');
    expect(a.tableName).toBe('cosmossyncstate');
  });

  it('keeps clients of different endpoints apart even under the same setting name', () => {
    const other: ResolvedStorageConnection = {
      ...development,
      connectionString:
        'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;TableEndpoint=http://127.0.0.1:20002/devstoreaccount1;',
    };
    expect(tableClientFor(other, 'cosmossyncstate')).not.toBe(tableClientFor(development, 'cosmossyncstate'));
    expect(tableClientFor(other, 'cosmossyncstate').url).toBe('http://127.0.0.1:20002/devstoreaccount1');
  });

  it('uses the table endpoint of identity-based connections, with or without a client id', () => {
    const identity: ResolvedStorageConnection = {
      kind: 'identity',
      setting: 'AzureWebJobsStorage',
      clientId: undefined,
      endpoints: { table: 'https://acct.table.core.windows.net', blob: 'https://other.blob.core.windows.net' },
    };
    const system = tableClientFor(identity, 'cosmossyncstate');
    const user = tableClientFor({ ...identity, clientId: '00000000-0000-0000-0000-000000000001' }, 'cosmossyncstate');
    expect(system.url).toBe('https://acct.table.core.windows.net');
    expect(user).not.toBe(system);
  });

  it('refuses an identity-based connection without a table endpoint, naming the settings', () => {
    const blobOnly: ResolvedStorageConnection = {
      kind: 'identity',
      setting: 'Lake',
      clientId: undefined,
      endpoints: { table: undefined, blob: 'https://acct.blob.core.windows.net' },
    };
    expect(() => tableClientFor(blobOnly, 'cosmossyncstate')).toThrow(ConfigError);
    expect(() => tableClientFor(blobOnly, 'cosmossyncstate')).toThrow(/Lake__tableServiceUri or Lake__accountName/);
  });
});
