/** The claim check's settings: defaults, ranges, and the one rule between two settings. */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../shared/config/load.js';
import { configProblemsOf } from '../support/config-problems.js';

const minimal = {
  ServiceBus: 'Endpoint=sb://127.0.0.1:5673;SharedAccessKeyName=k;SharedAccessKey=v;UseDevelopmentEmulator=true;',
  AzureWebJobsStorage: 'UseDevelopmentStorage=true',
  CosmosSource: 'AccountEndpoint=http://127.0.0.1:8081/;AccountKey=a2V5;',
  COSMOS_SYNC_SOURCES: JSON.stringify([
    { name: 'orders', database: 'shop', container: 'orders', partitionKeyPaths: ['/customerId'] },
  ]),
};

describe('claim check settings', () => {
  it('default to a container of their own, 30 days and 16 MiB', () => {
    expect(parseConfig(minimal).settings).toMatchObject({
      COSMOS_SYNC_CLAIM_CONTAINER: 'cosmos-sync-claims',
      COSMOS_SYNC_CLAIM_RETENTION_DAYS: 30,
      COSMOS_SYNC_CLAIM_MAX_BYTES: 16 * 1024 * 1024,
    });
  });

  it('name what is wrong: a bad container name, a retention or cap out of range, the quarantine container', () => {
    expect(
      configProblemsOf({
        ...minimal,
        COSMOS_SYNC_CLAIM_CONTAINER: 'Claims',
        COSMOS_SYNC_CLAIM_RETENTION_DAYS: '0',
        COSMOS_SYNC_CLAIM_MAX_BYTES: '1000',
      }),
    ).toEqual([
      'COSMOS_SYNC_CLAIM_CONTAINER: expected a blob container name: 3-63 lower-case letters, digits, single hyphens',
      expect.stringMatching(/^COSMOS_SYNC_CLAIM_RETENTION_DAYS: /),
      expect.stringMatching(/^COSMOS_SYNC_CLAIM_MAX_BYTES: /),
    ]);
    expect(configProblemsOf({ ...minimal, COSMOS_SYNC_CLAIM_CONTAINER: 'cosmos-sync-quarantine' })).toEqual([
      'COSMOS_SYNC_CLAIM_CONTAINER: must differ from COSMOS_SYNC_QUARANTINE_CONTAINER: claim blobs expire, quarantined documents must not',
    ]);
  });
});
