/** Estimator dependencies against a local Cosmos DB, as the metrics timer builds them, for the estimator tests. */
import type { ResolvedConnection } from '../../shared/config/connections.js';
import { createLogger, type LogSink } from '../../shared/logging.js';
import { RidCache, type EstimatorDeps } from '../../shared/metrics/estimator/index.js';

const silent: LogSink = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };

/** `connection` names the app setting the sources use; it resolves to the local account's connection string. */
export function localEstimatorDeps(
  account: { endpoint: string; key: string },
  connection: string,
  sink: LogSink = silent,
): EstimatorDeps {
  const resolved: ResolvedConnection = {
    kind: 'connectionString',
    setting: connection,
    connectionString: `AccountEndpoint=${account.endpoint};AccountKey=${account.key};`,
  };
  return { connections: new Map([[connection, resolved]]), logger: createLogger(sink, 'debug'), rids: new RidCache() };
}
