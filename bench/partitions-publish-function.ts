// Function file for the partitions benchmark: the app's own publish function (options and handler from
// shared/functions/publish.ts) with a lease acquire interval of 0.5 s instead of Azure's 13 s, so that four instances
// reach their equal share of the 8 leases within seconds instead of a minute. Balancing is the only thing that
// interval changes: reading, publishing and checkpointing are the app's, and the figures are taken once balanced.
import { app } from '@azure/functions';
import { getConfig } from '../shared/config/load.js';
import { publishFunctionOptions } from '../shared/functions/publish.js';

const config = getConfig();
for (const source of config.sources) {
  app.cosmosDB(`publish-${source.name}`, { ...publishFunctionOptions(config, source), leaseAcquireInterval: 500 });
}
