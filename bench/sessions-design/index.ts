/**
 * What the benchmarks need to run the earlier subscriber design: its function files (the current publisher with the
 * session subscriber above), its host.json Service Bus settings as they were (64 buckets; up to 500 messages, held
 * until 500 or 250 ms; sessions idle after 2 s; 16 concurrent sessions, which batch functions ignore in Azure), and a
 * broker config with a session subscription beside each target's.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readHostJson } from '../../dev/sample-app.js';

const root = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

export type Design = 'current' | 'sessions';

export const SESSIONS_DESIGN_FILES = [
  root('functions/app-lifecycle.ts'),
  root('functions/publish-changes.ts'),
  root('bench/sessions-design/apply-with-sessions.ts'),
];

export function sessionsDesignHostJson(): unknown {
  const hostJson = readHostJson() as { extensions: { serviceBus: Record<string, unknown> } };
  return {
    ...hostJson,
    extensions: {
      ...hostJson.extensions,
      serviceBus: {
        ...hostJson.extensions.serviceBus,
        maxConcurrentSessions: 16,
        maxMessageBatchSize: 500,
        minMessageBatchSize: 500,
        maxBatchWaitTime: '00:00:00.250',
        sessionIdleTimeout: '00:00:02',
      },
    },
  };
}

interface EmulatorConfig {
  UserConfig: { Namespaces: { Topics: { Name: string; Subscriptions: { Name: string; Properties: object }[] }[] }[] };
}

/** The project's broker config plus `<name>-sessions` (RequiresSession) beside every subscription; a file path. */
export function benchServiceBusConfigFile(): string {
  const config = JSON.parse(
    readFileSync(root('local-stack/servicebus/servicebus.config.json'), 'utf8'),
  ) as EmulatorConfig;
  for (const topic of config.UserConfig.Namespaces[0]?.Topics ?? []) {
    const withSessions = topic.Subscriptions.map((subscription) => ({
      ...subscription,
      Name: `${subscription.Name}-sessions`,
      Properties: { ...subscription.Properties, RequiresSession: true },
    }));
    topic.Subscriptions.push(...withSessions);
  }
  const path = join(tmpdir(), `cosmos-sync-bench-servicebus-${process.pid}.json`);
  writeFileSync(path, JSON.stringify(config));
  return path;
}
