// Function file for partitions.e2e.test.ts: the app's own publish function (options and handler from
// shared/functions/publish.ts) with lease intervals of seconds instead of Azure's 13 s / 60 s / 17 s defaults, so that
// a killed instance's leases expire and move within the test. Production keeps the defaults: the intervals are trigger
// attributes in Azure, not app settings, and the app does not set them.
import { app } from '@azure/functions';
import { getConfig } from '../../shared/config/load.js';
import { publishFunctionOptions } from '../../shared/functions/publish.js';

// partitions.e2e.test.ts counts on the 8 s expiry (it may not import this file: importing registers the function).
const TEST_LEASE_INTERVALS = {
  leaseAcquireInterval: 1_000,
  leaseRenewInterval: 2_000,
  leaseExpirationInterval: 8_000,
} as const;

const config = getConfig();
for (const source of config.sources) {
  app.cosmosDB(`publish-${source.name}`, { ...publishFunctionOptions(config, source), ...TEST_LEASE_INTERVALS });
}
