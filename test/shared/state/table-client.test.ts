import { describe, expect, it } from 'vitest';
import { tableClientFor, tableEndpointOf } from '../../../shared/clients/tables.js';
import type { ResolvedConnection } from '../../../shared/config/connections.js';

const development: ResolvedConnection = {
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
    const other: ResolvedConnection = {
      ...development,
      connectionString:
        'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;TableEndpoint=http://127.0.0.1:20002/devstoreaccount1;',
    };
    expect(tableClientFor(other, 'cosmossyncstate')).not.toBe(tableClientFor(development, 'cosmossyncstate'));
    expect(tableClientFor(other, 'cosmossyncstate').url).toBe('http://127.0.0.1:20002/devstoreaccount1');
  });

  it('uses the table service URI for identity-based connections, with or without a client id', () => {
    const identity: ResolvedConnection = {
      kind: 'identity',
      setting: 'AzureWebJobsStorage',
      endpoint: 'https://acct.table.core.windows.net',
      clientId: undefined,
    };
    const system = tableClientFor(identity, 'cosmossyncstate');
    const user = tableClientFor({ ...identity, clientId: '00000000-0000-0000-0000-000000000001' }, 'cosmossyncstate');
    expect(system.url).toBe('https://acct.table.core.windows.net');
    expect(user).not.toBe(system);
    expect(tableEndpointOf('acct')).toBe('https://acct.table.core.windows.net');
  });
});
