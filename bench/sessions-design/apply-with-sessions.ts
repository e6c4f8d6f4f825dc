// The subscriber design before issue 13, for the benchmarks only: every target's batches from a session
// subscription (`<subscription>-sessions`), `cardinality: 'many'`. Under the Functions host's semantics one instance
// then applies one session bucket at a time; bench/pipeline.ts and bench/lag.ts measure it beside the current design.
import { app } from '@azure/functions';
import { getConfig } from '../../shared/config/load.js';
import { applyFunctionOptions, lazyDependencies } from '../../shared/functions/apply.js';
import { poisonStoreFor } from '../../shared/functions/poison.js';
import { stateRecorderFor } from '../../shared/functions/state.js';

const config = getConfig();
for (const target of config.targets) {
  const deps = lazyDependencies(config, target, () => ({
    recorder: stateRecorderFor(config),
    poison: poisonStoreFor(config),
  }));
  app.serviceBusTopic(`apply-${target.name}`, {
    ...applyFunctionOptions(config, target, deps),
    subscriptionName: `${target.subscription}-sessions`,
    isSessionsEnabled: true,
    cardinality: 'many',
  });
}
