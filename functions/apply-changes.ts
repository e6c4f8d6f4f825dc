// Registration only: one Service Bus subscriber function per configured target (see shared/functions/apply.ts).
import { app } from '@azure/functions';
import { getConfig } from '../shared/config/load.js';
import { applyFunctionOptions, lazyDependencies } from '../shared/functions/apply.js';
import { poisonStoreFor } from '../shared/functions/poison.js';
import { stateRecorderFor } from '../shared/functions/state.js';

const config = getConfig();
for (const target of config.targets) {
  const deps = lazyDependencies(config, target, () => ({
    recorder: stateRecorderFor(config),
    poison: poisonStoreFor(config),
  }));
  app.serviceBusTopic(`apply-${target.name}`, applyFunctionOptions(config, target, deps));
}
