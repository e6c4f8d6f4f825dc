/** Shared by the end-to-end tests: the project's broker config plus an audit subscription, and polling helpers. */
import { readFileSync } from 'node:fs';
import type { Container } from '@azure/cosmos';

interface EmulatorConfig {
  UserConfig: { Namespaces: { Topics: { Name: string; Subscriptions: unknown[] }[] }[] };
}

/**
 * The default entities plus one subscription that sees every event, with the given properties. Its rule stays `1=1`,
 * not `subscriptionFilterFor`: it is an observer with no target behind it (tests read it to check order and content),
 * so it should see live events and every replay, backfill or repair alike, whichever target they are addressed to.
 */
export function configWithSubscription(name: string, properties: Record<string, unknown>): EmulatorConfig {
  const config = JSON.parse(
    readFileSync(new URL('../../local-stack/servicebus/servicebus.config.json', import.meta.url), 'utf8'),
  ) as EmulatorConfig;
  const topic = config.UserConfig.Namespaces[0]?.Topics.find((candidate) => candidate.Name === 'cosmos-sync-events');
  if (!topic) throw new Error('the default broker config has no cosmos-sync-events topic');
  topic.Subscriptions.push({
    Name: name,
    Properties: { MaxDeliveryCount: 10, LockDuration: 'PT1M', DeadLetteringOnMessageExpiration: false, ...properties },
    Rules: [{ Name: 'all', Properties: { FilterType: 'Sql', SqlFilter: { SqlExpression: '1=1' } } }],
  });
  return config;
}

/** The default entities plus `audit`, a session subscription that sees every event, for order checks. */
export const configWithAuditSubscription = (): EmulatorConfig =>
  configWithSubscription('audit', { RequiresSession: true });

export async function eventually<T>(
  probe: () => Promise<T | undefined>,
  what: string,
  timeoutMs = 30_000,
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs)); // poll: re-check the condition
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `; last error: ${String(last)}` : ''}`);
}

export interface TargetDoc {
  id: string;
  pk: unknown;
  revision?: number;
  _sync: { lsn: number; ts: number; deleted: boolean; source: string };
  [field: string]: unknown;
}

export async function readTarget(container: Container, id: string, pk: string): Promise<TargetDoc | undefined> {
  try {
    const { resource } = await container.item(id, pk).read<TargetDoc>();
    return resource;
  } catch (error) {
    // The target container is created by the target on its first batch; until then reads are 404.
    if ((error as { code?: unknown }).code === 404) return undefined;
    throw error;
  }
}
