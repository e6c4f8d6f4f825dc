/**
 * Identity-based connections as Azure uses them: storage endpoints per service, and the "create when missing"
 * switches whose defaults follow the connection's kind (Cosmos DB data-plane RBAC cannot create containers).
 */
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../../shared/config/load.js';
import { publishFunctionOptions } from '../../../shared/functions/publish.js';
import { configProblemsOf } from '../../support/config-problems.js';

const KEY = 'AccountEndpoint=http://127.0.0.1:8081/;AccountKey=a2V5;';
const source = { name: 'orders', database: 'shop', container: 'orders', partitionKeyPaths: ['/customerId'] };
const cosmosTarget = { name: 'copy', type: 'cosmos', subscription: 's', database: 'shop', container: 'orders-copy' };
const blobTarget = { name: 'lake', type: 'blob', subscription: 'b', container: 'orders-lake', connection: 'Lake' };

const minimal = {
  ServiceBus: 'Endpoint=sb://127.0.0.1:5673;SharedAccessKeyName=k;SharedAccessKey=v;UseDevelopmentEmulator=true;',
  AzureWebJobsStorage: 'UseDevelopmentStorage=true',
  CosmosSource: KEY,
  COSMOS_SYNC_SOURCES: JSON.stringify([source]),
};

/** Identity-based storage: the connection string removed, the given __ settings added. */
const storage = (settings: Record<string, string>) => ({ ...minimal, AzureWebJobsStorage: undefined, ...settings });

const problemsOf = configProblemsOf;

describe('identity-based storage connections', () => {
  it('derives both endpoints from the account name', () => {
    const config = parseConfig(
      storage({ AzureWebJobsStorage__accountName: 'acct', AzureWebJobsStorage__clientId: 'c' }),
    );
    expect(config.storageConnections.get('AzureWebJobsStorage')).toEqual({
      kind: 'identity',
      setting: 'AzureWebJobsStorage',
      clientId: 'c',
      endpoints: { table: 'https://acct.table.core.windows.net', blob: 'https://acct.blob.core.windows.net' },
    });
  });

  it("takes each service's endpoint from its own URI, never from another service's", () => {
    const config = parseConfig(
      storage({
        AzureWebJobsStorage__tableServiceUri: 'https://tables.example.net/',
        AzureWebJobsStorage__blobServiceUri: 'https://blobs.example.net',
        AzureWebJobsStorage__queueServiceUri: 'https://queues.example.net',
      }),
    );
    expect(config.storageConnections.get('AzureWebJobsStorage')).toMatchObject({
      endpoints: { table: 'https://tables.example.net', blob: 'https://blobs.example.net' },
    });
  });

  it('prefers a service URI over the account name for that service only', () => {
    const config = parseConfig(
      storage({
        AzureWebJobsStorage__accountName: 'acct',
        AzureWebJobsStorage__blobServiceUri: 'https://acct-private.blob.core.windows.net',
      }),
    );
    expect(config.storageConnections.get('AzureWebJobsStorage')).toMatchObject({
      endpoints: { table: 'https://acct.table.core.windows.net', blob: 'https://acct-private.blob.core.windows.net' },
    });
  });

  it('keeps connection strings as they are (Azurite and explicit endpoints)', () => {
    const explicit =
      'DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=a2V5;BlobEndpoint=http://127.0.0.1:1/devstoreaccount1;';
    const config = parseConfig({
      ...minimal,
      Lake: explicit,
      COSMOS_SYNC_TARGETS: JSON.stringify([blobTarget]),
    });
    expect(config.storageConnections.get('AzureWebJobsStorage')).toEqual({
      kind: 'connectionString',
      setting: 'AzureWebJobsStorage',
      connectionString: 'UseDevelopmentStorage=true',
    });
    expect(config.storageConnections.get('Lake')).toMatchObject({ connectionString: explicit });
    // Storage connections are kept apart from the others, so a storage one can never reach a Cosmos client.
    expect(config.connections.has('AzureWebJobsStorage')).toBe(false);
  });

  it('needs only the blob endpoint for a blob target connection', () => {
    const config = parseConfig({
      ...minimal,
      Lake__blobServiceUri: 'https://lake.blob.core.windows.net',
      COSMOS_SYNC_TARGETS: JSON.stringify([blobTarget]),
    });
    expect(config.storageConnections.get('Lake')).toMatchObject({
      kind: 'identity',
      endpoints: { table: undefined, blob: 'https://lake.blob.core.windows.net' },
    });
  });

  it.each<[string, Record<string, string | undefined>, RegExp]>([
    [
      'AzureWebJobsStorage with a table URI only (the quarantine container needs blobs)',
      storage({ AzureWebJobsStorage__tableServiceUri: 'https://acct.table.core.windows.net' }),
      /^AzureWebJobsStorage: no blob endpoint for identity-based access \(needed for the quarantine and claim-check containers\); set AzureWebJobsStorage__blobServiceUri to https:\/\/<account>\.blob\.core\.windows\.net or AzureWebJobsStorage__accountName$/,
    ],
    [
      'AzureWebJobsStorage with a blob URI only (the state and metrics tables need tables)',
      storage({ AzureWebJobsStorage__blobServiceUri: 'https://acct.blob.core.windows.net' }),
      /^AzureWebJobsStorage: no table endpoint for identity-based access \(needed for the state and metrics tables\); set AzureWebJobsStorage__tableServiceUri/,
    ],
    [
      'AzureWebJobsStorage with a queue URI only',
      storage({ AzureWebJobsStorage__queueServiceUri: 'https://acct.queue.core.windows.net' }),
      /^AzureWebJobsStorage: no table endpoint .*AzureWebJobsStorage__tableServiceUri/,
    ],
    [
      'a blob target connection with a table URI only',
      {
        ...minimal,
        Lake__tableServiceUri: 'https://lake.table.core.windows.net',
        COSMOS_SYNC_TARGETS: JSON.stringify([blobTarget]),
      },
      /^Lake: no blob endpoint for identity-based access \(needed for blob target "lake"\); set Lake__blobServiceUri/,
    ],
    [
      'a missing storage connection',
      storage({}),
      /^AzureWebJobsStorage: missing; set AzureWebJobsStorage to a connection string \(local\) or, for identity-based access \(Azure\), AzureWebJobsStorage__accountName or the service URIs/,
    ],
    [
      'a service URI that is not an https URL',
      storage({
        AzureWebJobsStorage__accountName: 'acct',
        AzureWebJobsStorage__blobServiceUri: 'acct.blob.core.windows.net',
      }),
      /^AzureWebJobsStorage__blobServiceUri: expected an https URL such as https:\/\/<account>\.blob\.core\.windows\.net, got "acct\.blob\.core\.windows\.net"$/,
    ],
    [
      'a plain-http service URI',
      storage({
        AzureWebJobsStorage__accountName: 'acct',
        AzureWebJobsStorage__tableServiceUri: 'http://acct.table.core.windows.net',
      }),
      /^AzureWebJobsStorage__tableServiceUri: expected an https URL/,
    ],
    [
      'an account name that is a URL',
      storage({ AzureWebJobsStorage__accountName: 'https://acct.blob.core.windows.net' }),
      /^AzureWebJobsStorage__accountName: expected a storage account name \(3-24 lower-case letters and digits\)/,
    ],
    [
      'an unsupported storage credential',
      storage({ AzureWebJobsStorage__accountName: 'acct', AzureWebJobsStorage__credential: 'secret' }),
      /^AzureWebJobsStorage__credential: expected "managedidentity" or nothing, got "secret"$/,
    ],
    [
      'one setting used as a Cosmos DB and a storage connection',
      { ...minimal, COSMOS_SYNC_TARGETS: JSON.stringify([{ ...blobTarget, connection: 'CosmosSource' }]) },
      /^CosmosSource: used as a Cosmos DB connection and as a storage connection \(blob target "lake"\); give each its own setting$/,
    ],
  ])('rejects %s, naming the setting and the expected form', (_label, env, expected) => {
    const problems = problemsOf(env);
    expect(problems).toContainEqual(expect.stringMatching(expected));
  });

  it('reports a malformed setting once, not again as a missing endpoint', () => {
    const problems = problemsOf(storage({ AzureWebJobsStorage__accountName: 'Bad_Name' }));
    expect(problems).toEqual([expect.stringMatching(/^AzureWebJobsStorage__accountName: /)]);
  });
});

describe('createLeaseContainer', () => {
  const withSource = (fields: Record<string, unknown>, env: Record<string, string | undefined> = {}) =>
    parseConfig({ ...minimal, COSMOS_SYNC_SOURCES: JSON.stringify([{ ...source, ...fields }]), ...env });

  it('defaults to true with a connection string and false with an identity', () => {
    expect(withSource({}).sources[0]?.createLeaseContainer).toBe(true);
    const identity = {
      CosmosSource: undefined,
      CosmosSource__accountEndpoint: 'https://acct.documents.azure.com:443/',
    };
    expect(withSource({}, identity).sources[0]?.createLeaseContainer).toBe(false);
  });

  it('follows the lease connection, not the monitored one', () => {
    const leasesByIdentity = { Leases__accountEndpoint: 'https://leases.documents.azure.com:443/' };
    expect(withSource({ leaseConnection: 'Leases' }, leasesByIdentity).sources[0]?.createLeaseContainer).toBe(false);
    const leasesByKey = {
      CosmosSource: undefined,
      CosmosSource__accountEndpoint: 'https://acct.documents.azure.com:443/',
      Leases: KEY,
    };
    expect(withSource({ leaseConnection: 'Leases' }, leasesByKey).sources[0]?.createLeaseContainer).toBe(true);
  });

  it('reaches the trigger as createLeaseContainerIfNotExists', () => {
    const byKey = withSource({});
    expect(publishFunctionOptions(byKey, byKey.sources[0]!)).toMatchObject({ createLeaseContainerIfNotExists: true });
    const identity = {
      CosmosSource: undefined,
      CosmosSource__accountEndpoint: 'https://acct.documents.azure.com:443/',
    };
    const byIdentity = withSource({}, identity);
    expect(publishFunctionOptions(byIdentity, byIdentity.sources[0]!)).toMatchObject({
      createLeaseContainerIfNotExists: false,
    });
  });

  it('keeps an explicit value where it can work', () => {
    expect(withSource({ createLeaseContainer: false }).sources[0]?.createLeaseContainer).toBe(false);
    const identity = {
      CosmosSource: undefined,
      CosmosSource__accountEndpoint: 'https://acct.documents.azure.com:443/',
    };
    expect(withSource({ createLeaseContainer: false }, identity).sources[0]?.createLeaseContainer).toBe(false);
  });

  it('rejects true with an identity-based lease connection, naming the container to create', () => {
    const problems = problemsOf({
      ...minimal,
      CosmosSource: undefined,
      CosmosSource__accountEndpoint: 'https://acct.documents.azure.com:443/',
      COSMOS_SYNC_SOURCES: JSON.stringify([{ ...source, createLeaseContainer: true, leaseDatabase: 'ops' }]),
    });
    expect(problems).toEqual([
      'COSMOS_SYNC_SOURCES[0].createLeaseContainer: true needs a connection string, but CosmosSource is identity-based ' +
        'and Cosmos DB data-plane RBAC cannot create containers; create the lease container ops/leases (partition key /id) ' +
        'in your infrastructure and remove createLeaseContainer (or set it to false)',
    ]);
  });

  it('rejects a value that is not a boolean', () => {
    expect(
      problemsOf({ ...minimal, COSMOS_SYNC_SOURCES: JSON.stringify([{ ...source, createLeaseContainer: 'yes' }]) }),
    ).toContainEqual(expect.stringMatching(/^COSMOS_SYNC_SOURCES\[0\]\.createLeaseContainer: .*boolean/));
  });
});

describe('Cosmos target createIfNotExists', () => {
  const withTarget = (fields: Record<string, unknown>, env: Record<string, string | undefined>) =>
    parseConfig({ ...minimal, COSMOS_SYNC_TARGETS: JSON.stringify([{ ...cosmosTarget, ...fields }]), ...env });
  const byKey = { CosmosTarget: KEY };
  const byIdentity = { CosmosTarget__accountEndpoint: 'https://copy.documents.azure.com:443/' };

  it('defaults to true with a connection string and false with an identity', () => {
    expect(withTarget({}, byKey).targets[0]).toMatchObject({ type: 'cosmos', createIfNotExists: true });
    expect(withTarget({}, byIdentity).targets[0]).toMatchObject({ type: 'cosmos', createIfNotExists: false });
  });

  it('keeps an explicit false with either kind', () => {
    expect(withTarget({ createIfNotExists: false }, byKey).targets[0]).toMatchObject({ createIfNotExists: false });
    expect(withTarget({ createIfNotExists: false }, byIdentity).targets[0]).toMatchObject({ createIfNotExists: false });
  });

  it('rejects true with an identity-based connection, naming the database and container to create', () => {
    const problems = problemsOf({
      ...minimal,
      ...byIdentity,
      COSMOS_SYNC_TARGETS: JSON.stringify([{ ...cosmosTarget, createIfNotExists: true }]),
    });
    expect(problems).toEqual([
      'COSMOS_SYNC_TARGETS[0].createIfNotExists: true needs a connection string, but CosmosTarget is identity-based ' +
        'and Cosmos DB data-plane RBAC cannot create databases or containers; create shop/orders-copy in your ' +
        'infrastructure and remove createIfNotExists (or set it to false)',
    ]);
  });

  it('leaves the blob target default at true for both kinds (Storage Blob Data Contributor may create containers)', () => {
    const config = parseConfig({
      ...minimal,
      Lake__accountName: 'lake',
      COSMOS_SYNC_TARGETS: JSON.stringify([blobTarget]),
    });
    expect(config.targets[0]).toMatchObject({ type: 'blob', createIfNotExists: true });
  });
});
