/**
 * One host instance in a process of its own, as `local-host/instances.ts` starts it: the options come as JSON in the
 * environment variable `COSMOS_SYNC_LOCAL_HOST_INSTANCE`, log lines go to stdout as JSON, and SIGTERM stops the
 * host cleanly (SIGKILL is what a crash looks like). A process per instance, as in Azure: an instance has its own
 * memory, connections and module state, and can die on its own.
 */
import { startLocalHost } from './index.js';
import { INSTANCE_OPTIONS_VARIABLE, type InstanceOptions } from './instances.js';
import { createHostLogger, errorFields, stdoutSink } from './log.js';

async function main(): Promise<void> {
  const text = process.env[INSTANCE_OPTIONS_VARIABLE];
  if (!text)
    throw new Error(`${INSTANCE_OPTIONS_VARIABLE} is not set: start instances through local-host/instances.ts`);
  const options = JSON.parse(text) as InstanceOptions;
  const host = await startLocalHost({ ...options, log: stdoutSink });
  const stop = (): void => {
    host.close().then(
      () => process.exit(0),
      (error: unknown) => {
        createHostLogger(stdoutSink).error('host.stop_failed', { error: errorFields(error) });
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  createHostLogger(stdoutSink).error('host.start_failed', { error: errorFields(error) });
  process.exit(1);
});
