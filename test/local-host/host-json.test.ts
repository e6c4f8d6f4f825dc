/** host.json's Service Bus batching settings as the local host reads them: defaults, forms, and clear errors. */
import { describe, expect, it } from 'vitest';
import { readHostSettings } from '../../local-host/host-json.js';

const withServiceBus = (serviceBus: Record<string, unknown>): unknown => ({
  version: '2.0',
  extensions: { serviceBus },
});

describe('readHostSettings: Service Bus batching', () => {
  it("uses the extension's defaults: no minimum batch, 30 s batch wait, 1,000 messages at most", () => {
    const { serviceBus } = readHostSettings({ version: '2.0' });
    expect(serviceBus).toMatchObject({ minMessageBatchSize: 1, maxBatchWaitTimeMs: 30_000, maxMessageBatchSize: 1000 });
  });

  it('reads minMessageBatchSize and maxBatchWaitTime, keys in any case, durations as TimeSpan or milliseconds', () => {
    expect(
      readHostSettings({ Extensions: { ServiceBus: { MinMessageBatchSize: 200, MAXBATCHWAITTIME: '00:00:01.500' } } })
        .serviceBus,
    ).toMatchObject({ minMessageBatchSize: 200, maxBatchWaitTimeMs: 1500 });
    expect(readHostSettings(withServiceBus({ maxBatchWaitTime: 250 })).serviceBus.maxBatchWaitTimeMs).toBe(250);
  });

  it('accepts a minimum equal to the maximum (only full batches, unless the wait runs out)', () => {
    const settings = readHostSettings(withServiceBus({ maxMessageBatchSize: 500, minMessageBatchSize: 500 }));
    expect(settings.serviceBus).toMatchObject({ minMessageBatchSize: 500, maxMessageBatchSize: 500 });
  });

  it.each([
    [{ minMessageBatchSize: 0 }, /minMessageBatchSize must be a whole number >= 1, got 0/],
    [{ minMessageBatchSize: '10' }, /minMessageBatchSize must be a whole number >= 1, got "10"/],
    [{ minMessageBatchSize: 2.5 }, /minMessageBatchSize must be a whole number >= 1/],
    [
      { maxMessageBatchSize: 100, minMessageBatchSize: 101 },
      /minMessageBatchSize \(101\) must not exceed maxMessageBatchSize \(100\)/,
    ],
    [{ minMessageBatchSize: 1001 }, /must not exceed maxMessageBatchSize \(1000\)/],
    [{ maxBatchWaitTime: 'soon' }, /maxBatchWaitTime: expected milliseconds or a "hh:mm:ss" duration, got "soon"/],
    [{ maxBatchWaitTime: -5 }, /maxBatchWaitTime: expected milliseconds/],
  ])('rejects %j with a message naming the setting', (serviceBus, message) => {
    expect(() => readHostSettings(withServiceBus(serviceBus))).toThrow(message);
  });
});
