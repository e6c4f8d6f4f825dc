/**
 * Instances in processes of their own and the autoscaler, against the local broker: a backlog of 40 slow messages on a
 * batch function with maxMessageBatchSize 10 asks for ceil(40 / 10) = 4 instances; once the queue is drained the
 * autoscaler scales back in to one.
 */
import { ServiceBusClient } from '@azure/service-bus';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HostLogLine } from '../../local-host/log.js';
import { startScaledOut } from '../../local-host/scale-out.js';
import { startLocalStack, type LocalStack } from '../../local-stack/stack.js';
import { waitFor } from '../fixtures/local-host/recorder.js';
import { fixture } from './helpers.js';

let stack: LocalStack;
beforeAll(async () => {
  stack = await startLocalStack({ serviceBusConfig: fixture('semantics/servicebus.config.json') });
});
afterAll(async () => {
  await stack?.close();
});

describe('scale-out', () => {
  it('scales out by the target-based rule under a backlog and back in once it is drained', async () => {
    const client = new ServiceBusClient(stack.settings.SERVICEBUS_CONNECTION_STRING);
    const sender = client.createSender('sem-plain');
    await sender.sendMessages(
      Array.from({ length: 40 }, (_, n) => ({ body: Buffer.from(JSON.stringify({ id: `m${n}`, sleepMs: 2_000 })) })),
    );
    await sender.close();
    await client.close();
    const lines: HostLogLine[] = [];
    const app = await startScaledOut({
      files: [fixture('semantics/batch-plain.ts')],
      settings: {
        LH_SERVICEBUS: stack.settings.SERVICEBUS_CONNECTION_STRING,
        LH_SERVICEBUS__adminEndpoint: stack.settings.SERVICEBUS_ADMIN_ENDPOINT,
      },
      hostJson: { version: '2.0', extensions: { serviceBus: { maxMessageBatchSize: 10 } } },
      autoscaleMax: 4,
      autoscaleIntervalMs: 500,
      log: (line) => lines.push(line),
    });
    try {
      const decisions = () => lines.filter((line) => line['event'] === 'scale.decision');
      await waitFor('a scale-out to 4', () => decisions().some((line) => line['desired'] === 4), 30_000);
      await waitFor(
        'the queue to drain',
        () => stack.serviceBus.counts.queue('sem-plain')?.activeMessageCount === 0,
        30_000,
      );
      await waitFor('a scale-in to 1', () => app.instances.instances.length === 1, 30_000);
      const workers = new Set(
        lines
          .filter((line) => line['event'] === 'invocation.succeeded' && line['functionName'] === 'semBatchPlain')
          .map((line) => line['instance']),
      );
      expect(workers.size).toBeGreaterThanOrEqual(2);
      expect(lines.filter((line) => line['level'] === 'error')).toEqual([]);
    } finally {
      await app.close();
    }
  }, 90_000);
});
