/**
 * What an operations command works with: the app's parsed configuration and clients built from it, exactly as the
 * function app builds them (same connection settings, same identity rules). Clients are made on first use and closed
 * together.
 */
import type { ServiceBusClient } from '@azure/service-bus';
import type { Container } from '@azure/cosmos';
import { cosmosClientFor } from '../../shared/clients/cosmos.js';
import { newServiceBusClient } from '../../shared/clients/servicebus.js';
import { parseConfig, SERVICE_BUS_CONNECTION, STORAGE_CONNECTION, type AppConfig } from '../../shared/config/load.js';
import type { SourceConfig, TargetConfig } from '../../shared/config/schema.js';
import type { ResolvedStorageConnection } from '../../shared/config/storage.js';
import { ConfigError } from '../../shared/errors.js';
import { createTarget } from '../../shared/targets/registry.js';
import type { Target } from '../../shared/targets/target.js';
import { UsageError } from '../errors.js';
import type { OpsSettings } from './settings.js';

export class OpsContext {
  private serviceBus: ServiceBusClient | undefined;
  private readonly closers: Array<() => Promise<void>> = [];

  private constructor(
    readonly config: AppConfig,
    readonly origin: string,
  ) {}

  /** Throws a UsageError naming every configuration problem and where the settings came from. */
  static open(settings: OpsSettings): OpsContext {
    try {
      return new OpsContext(parseConfig(settings.env), settings.origin);
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      throw new UsageError(`the app settings from ${settings.origin} are not valid: ${error.problems.join('; ')}`);
    }
  }

  target(name: string): TargetConfig {
    const found = this.config.targets.find((target) => target.name === name);
    if (found) return found;
    const known = this.config.targets.map((target) => target.name).join(', ');
    throw new UsageError(`no target named "${name}" in the app settings from ${this.origin}; targets: ${known}`);
  }

  /** The named source, or the only one when `name` is undefined (several sources need `--source`). */
  source(name: string | undefined): SourceConfig {
    const sources = this.config.sources;
    const known = sources.map((source) => source.name).join(', ');
    if (name === undefined) {
      if (sources.length === 1 && sources[0]) return sources[0];
      throw new UsageError(`the app has several sources (${known}); say which with --source`);
    }
    const found = sources.find((source) => source.name === name);
    if (found) return found;
    throw new UsageError(`no source named "${name}" in the app settings from ${this.origin}; sources: ${known}`);
  }

  /** The sources a target receives events of: its `sources` list, or every source. */
  sourcesOf(target: TargetConfig): SourceConfig[] {
    const names = target.sources;
    return names === undefined ? this.config.sources : this.config.sources.filter((s) => names.includes(s.name));
  }

  /**
   * A client of this context's own, closed with it. Not the process-wide one (`serviceBusClientFor`), which stays
   * cached after close: a second command in one process, or an app hosted in the same process (the local host in
   * tests), would otherwise get a closed client.
   */
  serviceBusClient(): ServiceBusClient {
    if (this.serviceBus === undefined) {
      const connection = this.config.connections.get(SERVICE_BUS_CONNECTION);
      if (!connection) throw new Error(`connection ${SERVICE_BUS_CONNECTION} was not resolved`);
      // Its own client, not the app's shared one: closing it must not leave a closed client in the shared cache.
      const client = newServiceBusClient(connection);
      this.serviceBus = client;
      this.closers.push(() => client.close());
    }
    return this.serviceBus;
  }

  /** The Cosmos DB container a source reads from. */
  sourceContainer(source: SourceConfig): Container {
    const connection = this.config.connections.get(source.connection);
    if (!connection) throw new Error(`connection ${source.connection} was not resolved`);
    return cosmosClientFor(connection).database(source.database).container(source.container);
  }

  /** AzureWebJobsStorage: state, poison records, quarantine and the commands' own checkpoints. */
  storage(): ResolvedStorageConnection {
    const storage = this.config.storageConnections.get(STORAGE_CONNECTION);
    if (!storage) throw new Error(`connection ${STORAGE_CONNECTION} was not resolved`);
    return storage;
  }

  /** The target's plug-in, opened; closed with the context. */
  async openTarget(config: TargetConfig): Promise<Target> {
    const target = createTarget(config, this.config);
    await target.open();
    this.closers.push(() => target.close());
    return target;
  }

  async close(): Promise<void> {
    const results = await Promise.allSettled(this.closers.splice(0).map((close) => close()));
    const failed = results.find((result): result is PromiseRejectedResult => result.status === 'rejected');
    if (failed) throw failed.reason;
  }
}
