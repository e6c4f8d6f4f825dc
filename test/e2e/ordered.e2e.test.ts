/**
 * Per-key order for an ordered target, end to end under Azure's semantics, with two instances of the app in processes
 * of their own: the webhook target is `ordered`, so its subscriber is single dispatch on a session subscription
 * (the session processor). One instance is killed (SIGKILL) while it delivers; its sessions come back to the other
 * instance once their locks expire. The receiver must see every key's versions in order (a redelivery may repeat the
 * last one, never go back), and every version must arrive.
 */
import { randomBytes } from 'node:crypto';
import { CosmosClient } from '@azure/cosmos';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureSourceContainer } from '../../dev/pipeline.js';
import { FUNCTIONS_DIR, readHostJson, sampleAppSettings } from '../../dev/sample-app.js';
import { startWebhookReceiver, type WebhookReceiver } from '../../dev/webhook-receiver.js';
import { startInstances, type LocalInstances } from '../../local-host/instances.js';
import type { HostLogLine } from '../../local-host/log.js';
import { startLocalStack, type LocalStack } from '../../local-stack/stack.js';
import { configWithSubscription, eventually } from './support.js';

const KEYS = 12;
const REVISIONS = 8;

describe('an ordered target under two instances, one of them killed mid-delivery', () => {
  let stack: LocalStack;
  let receiver: WebhookReceiver;
  let instances: LocalInstances | undefined;
  let cosmos: CosmosClient;
  const lines: HostLogLine[] = [];

  beforeAll(async () => {
    stack = await startLocalStack({
      // Locks of 5 s, so the killed instance's sessions come back soon.
      serviceBusConfig: configWithSubscription('ordered-hook', { RequiresSession: true, LockDuration: 'PT5S' }),
    });
    const secret = randomBytes(32).toString('hex');
    receiver = await startWebhookReceiver({ secret });
    // A slow receiver keeps deliveries in flight, so the kill lands in the middle of them.
    receiver.delayMs = 40;
    const settings = {
      // Every version of a document is an event in this mode, so every revision written must arrive.
      ...sampleAppSettings(stack.settings, { changeFeedMode: 'AllVersionsAndDeletes' }),
      COSMOS_SYNC_TARGETS: JSON.stringify([
        { name: 'hook', type: 'webhook', subscription: 'ordered-hook', url: receiver.url, ordered: true },
      ]),
      COSMOS_SYNC_WEBHOOK_SECRET: secret,
      COSMOS_SYNC_METRICS_ENABLED: 'false',
    };
    cosmos = new CosmosClient({
      endpoint: stack.settings.COSMOS_ENDPOINT,
      key: stack.settings.COSMOS_KEY,
      connectionPolicy: { enableEndpointDiscovery: false },
    });
    await ensureSourceContainer(cosmos, settings);
    instances = await startInstances(2, {
      directory: FUNCTIONS_DIR,
      settings,
      hostJson: readHostJson(),
      httpPort: 0,
      log: (line) => lines.push(line),
    });
  }, 120_000);

  afterAll(async () => {
    await instances?.close();
    await receiver?.close();
    cosmos?.dispose();
    await stack?.close();
  });

  it('delivers every key in order and every version, though an instance dies', async () => {
    const source = cosmos.database('shop').container('orders');
    for (let revision = 1; revision <= REVISIONS; revision += 1) {
      await Promise.all(
        Array.from({ length: KEYS }, (_, key) =>
          source.items.upsert({ id: `key-${key}`, customerId: `c${key}`, revision }),
        ),
      );
    }
    const expected = KEYS * REVISIONS;
    // Kill the first instance once a quarter of the events were delivered and others are still in flight.
    await eventually(async () => (receiver.arrivals.length >= expected / 4 ? true : undefined), 'a quarter delivered');
    const [first] = instances?.instances ?? [];
    if (!first) throw new Error('no instance to kill');
    await instances?.stop(first, 'SIGKILL');
    const killedAt = Date.now();
    const arrivedBeforeKill = receiver.arrivals.length;
    expect(arrivedBeforeKill).toBeLessThan(expected);
    const delivered = await eventually(
      async () => {
        const keys = new Map<string, Set<number>>();
        for (const { key, lsn } of receiver.arrivals) keys.set(key, (keys.get(key) ?? new Set()).add(lsn));
        const distinct = [...keys.values()].reduce((sum, lsns) => sum + lsns.size, 0);
        return distinct >= expected ? keys : undefined;
      },
      'every version at the receiver',
      90_000,
    );
    expect(delivered.size).toBe(KEYS);
    const byKey = new Map<string, number[]>();
    for (const { key, lsn } of receiver.arrivals) byKey.set(key, [...(byKey.get(key) ?? []), lsn]);
    for (const [key, lsns] of byKey) {
      // Non-decreasing: a redelivery after the kill may repeat an event, never bring an older one after a newer.
      expect(lsns, key).toEqual([...lsns].sort((a, b) => a - b));
    }
    // The survivor delivered what the killed instance had not.
    const survivorAfterKill = lines.filter(
      (line) =>
        line['instance'] === 2 &&
        line['event'] === 'invocation.succeeded' &&
        line['functionName'] === 'apply-hook' &&
        Date.parse(String(line['time'])) > killedAt,
    );
    expect(survivorAfterKill.length).toBeGreaterThan(0);
    console.log(
      `ordered e2e: killed at ${arrivedBeforeKill}/${expected} arrivals; ${receiver.arrivals.length} arrivals in all ` +
        `(${receiver.arrivals.length - expected} repeated); ${survivorAfterKill.length} deliveries by the survivor after the kill`,
    );
  }, 150_000);
});
