// Registration only: one Service Bus subscriber function per configured target (see shared/functions/apply.ts).
// The extension import registers the SDK binding that hands the handler messages plus settlement actions in Azure.
import '@azure/functions-extensions-servicebus';
import { app } from '@azure/functions';
import { getConfig } from '../shared/config/load.js';
import { applyFunctionOptions, lazyDependencies } from '../shared/functions/apply.js';
import { stateRecorderFor } from '../shared/functions/state.js';

const config = getConfig();
for (const target of config.targets) {
  const deps = lazyDependencies(config, target, () => stateRecorderFor(config));
  app.serviceBusTopic(`apply-${target.name}`, applyFunctionOptions(config, target, deps));
}
