/** The Service Bus target-based scaling rule (ServiceBusTargetScaler.GetScaleResultInternal) as the autoscaler uses it. */
import { describe, expect, it } from 'vitest';
import { readHostSettings } from '../../local-host/host-json.js';
import { concurrencyOf, desiredInstances, type ScaledTrigger } from '../../local-host/scaling.js';

const host = readHostSettings({
  extensions: { serviceBus: { maxMessageBatchSize: 500, maxConcurrentSessions: 64, maxConcurrentCalls: 32 } },
});
const batch: ScaledTrigger = {
  functionName: 'apply-copy',
  entityPath: 'events/Subscriptions/copy',
  many: true,
  sessions: false,
};
const ordered: ScaledTrigger = {
  functionName: 'apply-hook',
  entityPath: 'events/Subscriptions/hook',
  many: false,
  sessions: true,
};
const single: ScaledTrigger = { functionName: 'apply-q', entityPath: 'queue', many: false, sessions: false };

describe('target-based scaling', () => {
  it('divides by the batch size for batch functions, sessions or not', () => {
    expect(concurrencyOf(batch, host)).toBe(500);
    expect(concurrencyOf({ ...batch, sessions: true }, host)).toBe(500);
    expect(concurrencyOf(ordered, host)).toBe(64);
    expect(concurrencyOf(single, host)).toBe(32);
  });

  it('asks for ceil(active / concurrency), the largest ask of the app, within 1 and the cap', () => {
    const counts = (copy: number, hook: number) =>
      new Map([
        [batch.entityPath, copy],
        [ordered.entityPath, hook],
      ]);
    expect(desiredInstances([batch, ordered], counts(0, 0), host, 8)).toBe(1);
    expect(desiredInstances([batch, ordered], counts(501, 0), host, 8)).toBe(2);
    expect(desiredInstances([batch, ordered], counts(1000, 129), host, 8)).toBe(3);
    expect(desiredInstances([batch, ordered], counts(100_000, 0), host, 8)).toBe(8);
    expect(desiredInstances([batch], new Map(), host, 4)).toBe(1);
  });
});
