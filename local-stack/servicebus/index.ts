import { fileURLToPath } from 'node:url';
import { startAmqpServer, type AmqpServer } from './amqp/amqp-server.js';
import { ServiceBusNamespace } from './broker/namespace.js';
import { createLogger, defaultLogSink, errorFields, type LogSink } from './broker/logger.js';
import { loadEmulatorConfig } from './config/load-config.js';
import { createRuntimeCountsSource } from './runtime-counts-source.js';
import type { RuntimeCountsSource } from './runtime-counts.js';

export { loadEmulatorConfig } from './config/load-config.js';
export { ServiceBusConfigError, type ConfigIssue } from './config/config-error.js';
export type { ParsedEmulatorConfig } from './config/parsed-config.js';
export type { RuntimeCountsSource } from './runtime-counts.js';

/** The project's default entities file, in the official Service Bus emulator's Config.json format. */
export const DEFAULT_SERVICEBUS_CONFIG_PATH = fileURLToPath(new URL('./servicebus.config.json', import.meta.url));

export interface ServiceBusBrokerOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 0: a random free port. (5672 is RabbitMQ's; the CLI uses 5673.) */
  port?: number;
  /** Path to an emulator Config.json, or the parsed object. Default: the project's servicebus.config.json. */
  config?: string | unknown;
  /** Default 256 KiB, the Service Bus Standard limit. */
  maxMessageSizeBytes?: number;
  /** Structured log events. Default: warnings and errors to stderr. */
  log?: LogSink;
}

export interface LocalServiceBus {
  /** For `new ServiceBusClient(connectionString)`; plain TCP through `UseDevelopmentEmulator=true`. */
  connectionString: string;
  host: string;
  port: number;
  /** Runtime counts per entity, read by the management endpoint. */
  counts: RuntimeCountsSource;
  /** Closes every connection and timer promptly, so test processes can exit. */
  close(): Promise<void>;
}

const STANDARD_TIER_MAX_MESSAGE_SIZE = 256 * 1024;

/** Starts a local Service Bus broker that the unmodified `@azure/service-bus` SDK talks to over AMQP 1.0. */
export async function startServiceBusBroker(options: ServiceBusBrokerOptions = {}): Promise<LocalServiceBus> {
  const host = options.host ?? '127.0.0.1';
  const log = createLogger(options.log ?? defaultLogSink);
  const config = loadEmulatorConfig(options.config ?? DEFAULT_SERVICEBUS_CONFIG_PATH);
  const maxMessageSizeBytes = options.maxMessageSizeBytes ?? STANDARD_TIER_MAX_MESSAGE_SIZE;
  if (!Number.isInteger(maxMessageSizeBytes) || maxMessageSizeBytes <= 0) {
    throw new RangeError(
      `maxMessageSizeBytes must be a positive whole number of bytes, got ${String(options.maxMessageSizeBytes)}`,
    );
  }
  const namespace = new ServiceBusNamespace(config, (error, context) =>
    log.error(`failure while ${context}`, errorFields(error)),
  );
  let server: AmqpServer;
  try {
    server = await startAmqpServer({ host, port: options.port ?? 0, namespace, maxMessageSizeBytes, log });
  } catch (error) {
    namespace.close();
    throw error;
  }
  log.info('local Service Bus broker listening', { host, port: server.port, namespace: config.namespace });
  let closing: Promise<void> | undefined;
  return {
    connectionString: `Endpoint=sb://${host}:${server.port};SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true;`,
    host,
    port: server.port,
    counts: createRuntimeCountsSource(namespace),
    close: () =>
      (closing ??= (async () => {
        try {
          await server.close();
        } finally {
          namespace.close();
        }
      })()),
  };
}
