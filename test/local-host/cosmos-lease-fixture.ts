// Function file for cosmos-lease-balancing.int.test.ts: lease intervals in milliseconds instead of seconds, so that
// balancing rounds, renewals and expiry happen within a test (acquire 200 ms, renew 400 ms, expiration 4 s).
import { app, type InvocationContext } from '@azure/functions';
import { recorder } from '../fixtures/local-host/recorder.js';

app.cosmosDB('cosmosLeases', {
  connection: 'LH_COSMOS',
  databaseName: '%LH_DB%',
  containerName: '%LH_LEASE_TEST_CONTAINER%',
  leaseContainerName: '%LH_LEASES%',
  leaseContainerPrefix: 'balance-',
  maxItemsPerInvocation: 10,
  feedPollDelay: 100,
  leaseAcquireInterval: 200,
  leaseRenewInterval: 400,
  leaseExpirationInterval: 4_000,
  startFromBeginning: true,
  handler: (documents: unknown[], context: InvocationContext) => {
    recorder.record(documents, context);
  },
});
