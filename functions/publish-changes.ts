// Registration only: one Cosmos DB change-feed function per configured source (see shared/functions/publish.ts).
import { app } from '@azure/functions';
import { getConfig } from '../shared/config/load.js';
import { publishFunctionOptions } from '../shared/functions/publish.js';

const config = getConfig();
for (const source of config.sources) {
  app.cosmosDB(`publish-${source.name}`, publishFunctionOptions(config, source));
}
