/**
 * The whole story on the local pipeline with two targets (the sample's Cosmos DB copy and a webhook): the webhook's
 * receiver is down for one document (its batch is dead-lettered after MaxDeliveryCount) and refuses six others (poison
 * records); the Cosmos copy applies everything. Once the receiver is fixed, `deadletters replay --target hook`
 * (interrupted by Ctrl-C once, then run again) makes the webhook converge while the copy never sees a replay, and
 * leaves the dead-letter queue and the poison store empty.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalPipeline, type LocalPipeline } from '../../dev/pipeline.js';
import { DEFAULT_SERVICEBUS_CONFIG_PATH } from '../../local-stack/servicebus/index.js';
import { tableClientFor } from '../../shared/clients/tables.js';
import { parseConfig, STORAGE_CONNECTION } from '../../shared/config/load.js';
import { countPoison } from '../../shared/poison/count.js';
import { readTargetStates, type TargetState } from '../../shared/state/reader.js';
import { eventually, readTarget } from '../e2e/support.js';
import { startTestReceiver, type TestReceiver } from './deadletters-receiver.js';
import { cli, COPY, HOOK, TOPIC, WEBHOOK_SECRET } from './deadletters-support.js';

interface EmulatorConfig {
  UserConfig: { Namespaces: { Topics: { Name: string; Subscriptions: { Name: string; Properties: object }[] }[] }[] };
}

/** The project's broker configuration, with the webhook's subscription dead-lettering after one delivery. */
function brokerConfig(): EmulatorConfig {
  const config = JSON.parse(readFileSync(DEFAULT_SERVICEBUS_CONFIG_PATH, 'utf8')) as EmulatorConfig;
  const topic = config.UserConfig.Namespaces[0]?.Topics.find((candidate) => candidate.Name === TOPIC);
  const hook = topic?.Subscriptions.find((subscription) => subscription.Name === HOOK.subscription);
  if (!hook) throw new Error(`no ${HOOK.subscription} in the default broker config`);
  hook.Properties = { ...hook.Properties, MaxDeliveryCount: 1 };
  return config;
}

const BAD = ['bad-1', 'bad-2', 'bad-3', 'bad-4', 'bad-5', 'bad-6'];

describe('deadletters replay on the running pipeline', () => {
  let pipeline: LocalPipeline;
  let receiver: TestReceiver;

  beforeAll(async () => {
    receiver = await startTestReceiver();
    pipeline = await startLocalPipeline({
      stack: { serviceBusConfig: brokerConfig() },
      adjustSettings: async (settings) => ({
        ...settings,
        COSMOS_SYNC_TARGETS: JSON.stringify([
          ...(JSON.parse(settings['COSMOS_SYNC_TARGETS'] ?? '[]') as unknown[]),
          // One try per request: a receiver that is down fails the batch within the runner's own retries.
          { name: HOOK.name, type: 'webhook', subscription: HOOK.subscription, url: receiver.url, retryAttempts: 1 },
        ]),
        COSMOS_SYNC_WEBHOOK_SECRET: WEBHOOK_SECRET,
      }),
      log: () => {},
    });
  });
  afterAll(async () => {
    await pipeline?.close();
    await receiver?.close();
  });

  const source = () => pipeline.cosmos.database('shop').container('orders');
  const copy = () => pipeline.cosmos.database('shop').container('orders-copy');
  const config = () => parseConfig(pipeline.settings);
  const storage = () => {
    const connection = config().storageConnections.get(STORAGE_CONNECTION);
    if (!connection) throw new Error(`${STORAGE_CONNECTION} is not resolved`);
    return connection;
  };
  const poisonCount = () =>
    countPoison(tableClientFor(storage(), config().settings.COSMOS_SYNC_POISON_TABLE), HOOK.name);
  const counts = (subscription: string) => pipeline.stack.serviceBus.counts.subscription(TOPIC, subscription);
  async function state(target: string): Promise<TargetState | undefined> {
    const states = await readTargetStates(tableClientFor(storage(), config().settings.COSMOS_SYNC_STATE_TABLE));
    return states.find((candidate) => candidate.target === target);
  }
  const run = (argv: string[], onStderr?: Parameters<typeof cli>[1]['onStderr']) =>
    cli(argv, { env: pipeline.settings, ...(onStderr ? { onStderr } : {}) });

  it('replays to the webhook only, resumes after Ctrl-C, and leaves nothing dead', async () => {
    // 1. The receiver is down for one document: its batch fails and, after one delivery, is dead-lettered.
    receiver.unavailable.add('dead');
    await source().items.create({ id: 'dead', customerId: 'c0', revision: 1 });
    await eventually(
      async () => (counts(HOOK.subscription)?.deadLetterMessageCount === 1 ? true : undefined),
      'the DLQ',
    );

    // 2. It refuses six documents for good: poison records. Two others go through.
    for (const id of BAD) receiver.refused.add(id);
    for (const id of ['good-1', 'good-2', ...BAD]) {
      await source().items.create({ id, customerId: `c${id.length}`, revision: 1 });
    }
    await eventually(async () => ((await poisonCount()) === 6 ? true : undefined), 'six poison records', 60_000);
    await eventually(async () => (receiver.accepted.has('good-2') ? true : undefined), 'the good documents');
    // The copy applied all nine; its counters are what must not move from here on.
    const copyBefore = await eventually(async () => {
      const current = await state(COPY.name);
      return current?.counters.applied === 9 ? current : undefined;
    }, 'the copy to apply nine events');
    for (const id of ['dead', ...BAD]) expect(receiver.accepted.has(id)).toBe(false);

    // 3. What is dead, and what a replay would do.
    const listed = await run(['deadletters', 'list', '--target', HOOK.name, '--json']);
    expect(listed.code).toBe(0);
    const items = (JSON.parse(listed.stdout) as { items: { kind: string; reason: string }[] }).items;
    expect(items.map((item) => item.kind)).toEqual(['dlq', ...BAD.map(() => 'poison')]);
    expect(items[0]?.reason).toBe('MaxDeliveryCountExceeded');
    expect(items.slice(1).every((item) => /422/.test(item.reason))).toBe(true);
    expect((await run(['deadletters', 'replay', '--target', HOOK.name, '--dry-run'])).code).toBe(0);
    expect(counts(HOOK.subscription)?.deadLetterMessageCount).toBe(1);

    // 4. The cause is fixed at the receiver; the replay is interrupted after its first step, then run again.
    receiver.unavailable.clear();
    receiver.refused.clear();
    const interrupted = await run(['deadletters', 'replay', '--target', HOOK.name, '--batch-size', '2'], (text, c) => {
      if (/ [1-9]\/7 /.test(text)) c.abort(new Error('SIGINT'));
    });
    expect(interrupted.code).toBe(130);
    expect(interrupted.stdout).toMatch(/^sent [12], skipped 0, failed 0 of 7/);
    const resumed = await run(['deadletters', 'replay', '--target', HOOK.name]);
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(/^sent [56], skipped 0, failed 0 of [56]/);

    // 5. The webhook converges: every document once, nothing lost, nothing twice.
    await eventually(
      async () => (['dead', ...BAD].every((id) => receiver.accepted.has(id)) ? true : undefined),
      'the replays at the receiver',
    );
    const hook = await eventually(async () => {
      const current = await state(HOOK.name);
      return current?.counters.applied === 9 ? current : undefined;
    }, 'the webhook to count nine applied events');
    expect(hook.counters.applied).toBe(9);
    for (const id of ['dead', 'good-1', 'good-2', ...BAD])
      expect([id, receiver.accepted.get(id)?.length]).toEqual([id, 1]);

    // 6. The copy never saw a replay; nothing is dead any more.
    const copyAfter = await state(COPY.name);
    expect(copyAfter?.counters).toEqual(copyBefore.counters);
    expect(counts(COPY.subscription)?.activeMessageCount).toBe(0);
    expect(await readTarget(copy(), 'bad-6', 'c5')).toMatchObject({ revision: 1 });
    expect(counts(HOOK.subscription)?.deadLetterMessageCount).toBe(0);
    await expect(poisonCount()).resolves.toBe(0);
    const empty = await run(['deadletters', 'list', '--target', HOOK.name]);
    expect(empty.stdout).toContain('0 dead letters of target hook');
  });
});
