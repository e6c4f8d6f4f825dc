/**
 * The broker entities for the partitions benchmark: the project's topic with one subscription that takes every event.
 * The benchmark measures publishing; in Azure the topic's fan-out to the targets' subscriptions costs the Service Bus
 * service, not the app, so the local broker (which shares this machine's two cores) copies each message once only.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface EmulatorConfig {
  UserConfig: { Namespaces: { Topics: { Name: string; Subscriptions: { Name: string }[] }[] }[] };
}

export function publishOnlyServiceBusConfigFile(): string {
  const config = JSON.parse(
    readFileSync(new URL('../local-stack/servicebus/servicebus.config.json', import.meta.url), 'utf8'),
  ) as EmulatorConfig;
  for (const topic of config.UserConfig.Namespaces[0]?.Topics ?? []) {
    topic.Subscriptions = topic.Subscriptions.filter((subscription) => subscription.Name === 'cosmos-target');
  }
  const path = join(tmpdir(), `cosmos-sync-bench-partitions-servicebus-${process.pid}.json`);
  writeFileSync(path, JSON.stringify(config));
  return path;
}
