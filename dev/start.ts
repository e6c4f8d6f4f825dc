/**
 * `npm start`: the embedded local default. Starts the local stack and the local host with the sample source
 * (shop/orders) and target (shop/orders-copy), prints where everything is, and keeps syncing until Ctrl-C.
 */
import { DEFAULT_PORTS } from '../local-stack/cli.js';
import type { HostLogLine } from '../local-host/index.js';
import { functionLogData } from '../local-host/log.js';
import { startLocalPipeline } from './pipeline.js';
import { messageOf } from '../shared/errors.js';

/** Host lines worth a newcomer's attention, as one readable line each; everything is still JSON with --json. */
function printLine(line: HostLogLine, json: boolean): void {
  if (json) {
    console.log(JSON.stringify(line));
    return;
  }
  // The app's own structured lines reach the host log wrapped as `function.log` with the line under `data`.
  const data = functionLogData(line);
  if (data && 'event' in data) line = { ...data, functionName: line['functionName'] };
  const event = String(line['event'] ?? '');
  const interesting =
    /published|settled|deadlettered|quarantined|metrics\.target|error|failed|unavailable|retry|started|stopped/i;
  if (line['level'] === 'debug' || !interesting.test(event)) return;
  const { time, level, event: _event, ...rest } = line;
  const fields = Object.entries(rest)
    .filter(([key]) => !['invocationId', 'message', 'function'].includes(key))
    .map(([key, value]) => `${key}=${typeof value === 'object' ? JSON.stringify(value) : String(value)}`)
    .join(' ');
  console.log(
    `${String(time ?? new Date().toISOString()).slice(11, 23)} ${String(level).padEnd(5)} ${event} ${fields}`,
  );
}

/** `--instances N`: run N instances of the app (the first in this process), as Azure scales out. */
function instancesArgument(argv: readonly string[]): number | undefined {
  const at = argv.indexOf('--instances');
  return at < 0 ? undefined : Number(argv[at + 1]);
}

async function main(): Promise<void> {
  const json = process.argv.includes('--json');
  const instances = instancesArgument(process.argv);
  console.error('starting the local stack (Cosmos DB, Service Bus, Azurite) and the local Functions host...');
  const pipeline = await startLocalPipeline({
    stack: {
      cosmosPort: DEFAULT_PORTS.cosmos,
      serviceBusPort: DEFAULT_PORTS.serviceBus,
      serviceBusAdminPort: DEFAULT_PORTS.serviceBusAdmin,
      blobPort: DEFAULT_PORTS.blob,
      queuePort: DEFAULT_PORTS.queue,
      tablePort: DEFAULT_PORTS.table,
    },
    httpPort: 7071,
    ...(instances !== undefined ? { instances } : {}),
    log: (line) => printLine(line, json),
  });
  const { settings } = pipeline.stack;
  console.log(`
cosmos-sync is running locally.
  Cosmos DB    ${settings.COSMOS_ENDPOINT}   (key: the emulator's well-known key)
  Service Bus  ${settings.SERVICEBUS_CONNECTION_STRING}
  Storage      ${settings.STORAGE_CONNECTION_STRING.split(';').find((part) => part.startsWith('BlobEndpoint')) ?? ''}
  Functions    ${pipeline.host.functions.map((fn) => `${fn.name} (${fn.trigger})`).join(', ')}
  Dashboard    ${pipeline.host.httpBaseUrl ?? ''}/dashboard   (JSON: ${pipeline.host.httpBaseUrl ?? ''}/status, or \`npx cosmos-sync status\`)

Write documents to database "shop", container "orders" (partition key /customerId); they appear in
"shop/orders-copy" within a second. Set "_deleted": true to delete one. \`npm run demo\` (another shell is fine: it
runs its own stack on free ports) writes a few thousand documents and reports convergence. Ctrl-C stops everything.
`);
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) process.exit(130);
    stopping = true;
    console.error(`received ${signal}, stopping (waits for running invocations; Ctrl-C again exits at once)...`);
    pipeline.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error('stop failed:', error);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  const message = messageOf(error);
  console.error(`cosmos-sync failed to start: ${message}`);
  if (/EADDRINUSE/.test(message)) {
    console.error(
      'next step: another process holds one of the ports 8081, 5673, 5300, 10000-10002 or 7071; stop it (is `npm start` already running?).',
    );
  } else {
    console.error(
      'next step: run `npm install`, then `npm start` again; if it persists, run `npm run stack` to see which part fails.',
    );
  }
  process.exit(1);
});
