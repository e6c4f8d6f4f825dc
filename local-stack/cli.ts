/**
 * `npm run stack`: starts the local Azure stack on loopback, prints the settings it serves as NAME=value lines, then a
 * line `ready`, and stops everything on Ctrl-C or SIGTERM. Scripts can wait for `ready` and source the lines before it.
 */
import { Command, InvalidArgumentError } from 'commander';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { MAX_PHYSICAL_PARTITIONS } from './cosmos/partition-layout.js';
import { startLocalStack, type LocalStack, type LocalStackOptions } from './stack.js';

/** Well-known ports: the Cosmos DB emulator's 8081, Azurite's 10000-10002; 5673 because RabbitMQ holds AMQP's 5672. */
export const DEFAULT_PORTS = {
  cosmos: 8081,
  serviceBus: 5673,
  serviceBusAdmin: 5300,
  blob: 10000,
  queue: 10001,
  table: 10002,
} as const;

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new InvalidArgumentError(`expected a whole number from 0 to 65535 (0 picks a free port), got "${value}"`);
  }
  return port;
}

/** Commander prefixes the message with the flag, so the error names `--cosmos-partitions`. */
export function parsePartitionCount(value: string): number {
  const count = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isInteger(count) || count < 1 || count > MAX_PHYSICAL_PARTITIONS) {
    throw new InvalidArgumentError(`expected a whole number from 1 to ${MAX_PHYSICAL_PARTITIONS}, got "${value}"`);
  }
  return count;
}

function parseConfigFile(value: string): string {
  const path = resolve(value);
  if (!existsSync(path)) {
    throw new InvalidArgumentError(
      `no such file: ${path} (give a file in the Service Bus emulator's Config.json format)`,
    );
  }
  return path;
}

export function buildStackCommand(): Command {
  return new Command('stack')
    .description('Run local Cosmos DB (with change feed), a Service Bus-compatible broker and Azurite on loopback.')
    .option('--host <address>', 'loopback address to listen on', '127.0.0.1')
    .option('--cosmos-port <port>', 'local Cosmos DB port', parsePort, DEFAULT_PORTS.cosmos)
    .option(
      '--servicebus-port <port>',
      'AMQP port of the broker (not 5672: RabbitMQ)',
      parsePort,
      DEFAULT_PORTS.serviceBus,
    )
    .option(
      '--servicebus-admin-port <port>',
      'http port for ServiceBusAdministrationClient',
      parsePort,
      DEFAULT_PORTS.serviceBusAdmin,
    )
    .option('--blob-port <port>', 'Azurite blob port', parsePort, DEFAULT_PORTS.blob)
    .option('--queue-port <port>', 'Azurite queue port', parsePort, DEFAULT_PORTS.queue)
    .option('--table-port <port>', 'Azurite table port', parsePort, DEFAULT_PORTS.table)
    .option(
      '--servicebus-config <file>',
      "entities file in the official emulator's Config.json format",
      parseConfigFile,
    )
    .option('--storage-location <dir>', 'folder for Azurite data (default: in memory)')
    .option(
      '--cosmos-partitions <count>',
      `partition key ranges of each new Cosmos DB container (1 to ${MAX_PHYSICAL_PARTITIONS})`,
      parsePartitionCount,
      1,
    );
}

interface StackCommandOptions {
  host: string;
  cosmosPort: number;
  servicebusPort: number;
  servicebusAdminPort: number;
  blobPort: number;
  queuePort: number;
  tablePort: number;
  servicebusConfig?: string;
  storageLocation?: string;
  cosmosPartitions: number;
}

export function toStackOptions(options: StackCommandOptions): LocalStackOptions {
  return {
    host: options.host,
    cosmosPort: options.cosmosPort,
    serviceBusPort: options.servicebusPort,
    serviceBusAdminPort: options.servicebusAdminPort,
    blobPort: options.blobPort,
    queuePort: options.queuePort,
    tablePort: options.tablePort,
    cosmosPhysicalPartitions: options.cosmosPartitions,
    ...(options.servicebusConfig !== undefined ? { serviceBusConfig: options.servicebusConfig } : {}),
    ...(options.storageLocation !== undefined ? { storageLocation: resolve(options.storageLocation) } : {}),
  };
}

/** Stops the stack once on the first SIGINT/SIGTERM; a second signal exits at once. */
export function stopOnSignals(stack: Pick<LocalStack, 'close'>, onStopped: () => void = () => process.exit(0)): void {
  let stopping = false;
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) process.exit(130);
    stopping = true;
    console.error(`received ${signal}, stopping the local stack...`);
    stack.close().then(onStopped, (error: unknown) => {
      console.error('local stack: stop failed:', error);
      process.exit(1);
    });
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}

async function main(argv: string[]): Promise<void> {
  const command = buildStackCommand();
  command.parse(argv);
  const options = command.opts<StackCommandOptions>();
  const ranges =
    options.cosmosPartitions > 1 ? ` (${options.cosmosPartitions} partition key ranges per container)` : '';
  console.error(`starting local Cosmos DB${ranges}, Service Bus broker and Azurite...`);
  let stack: LocalStack;
  try {
    stack = await startLocalStack(toStackOptions(options));
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    console.error(`local stack failed to start: ${message}`);
    if (/EADDRINUSE/.test(message)) {
      console.error(
        'next step: stop the process holding that port, or pass another port (see --help; 0 picks a free one).',
      );
    }
    process.exit(1);
  }
  for (const [name, value] of Object.entries(stack.settings)) console.log(`${name}=${value}`);
  console.log('ready');
  stopOnSignals(stack);
}

// Run only as a program, so tests can import the helpers above without starting anything.
if (
  process.argv[1] &&
  resolve(process.argv[1]).replace(/\.ts$/, '') === new URL(import.meta.url).pathname.replace(/\.ts$/, '')
) {
  main(process.argv).catch((error: unknown) => {
    console.error('local stack: unexpected failure:', error);
    process.exit(1);
  });
}
