/** The process-wide state recorder and metrics dependencies: one instance each, so ETag caches survive invocations. */
import { tableClientFor } from '../clients/tables.js';
import { STORAGE_CONNECTION, type AppConfig } from '../config/load.js';
import { TableStateRecorder } from '../state/recorder.js';
import type { BatchRecorder } from '../subscribe/batch-summary.js';

let recorder: TableStateRecorder | undefined;

/** With COSMOS_SYNC_METRICS_ENABLED=false subscribers record nothing: no state write per batch. */
const skipRecording: BatchRecorder = { record: () => Promise.resolve() };

function storageOf(config: AppConfig) {
  const storage = config.storageConnections.get(STORAGE_CONNECTION);
  if (!storage) throw new Error(`${STORAGE_CONNECTION} was not resolved at start-up`);
  return storage;
}

export function stateRecorderFor(config: AppConfig): BatchRecorder {
  if (!config.settings.COSMOS_SYNC_METRICS_ENABLED) return skipRecording;
  recorder ??= new TableStateRecorder(tableClientFor(storageOf(config), config.settings.COSMOS_SYNC_STATE_TABLE));
  return recorder;
}

export function metricsTablesFor(config: AppConfig) {
  const storage = storageOf(config);
  return {
    stateTable: tableClientFor(storage, config.settings.COSMOS_SYNC_STATE_TABLE),
    metricsTable: tableClientFor(storage, config.settings.COSMOS_SYNC_METRICS_TABLE),
  };
}
