/** host.json's Service Bus batching settings as the local host reads them: defaults, forms, and clear errors. */
import { readFileSync } from 'node:fs';
import { RetryMode } from '@azure/service-bus';
import { describe, expect, it } from 'vitest';
import { serviceBusClientOptions } from '../../local-host/servicebus/trigger.js';
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

describe('readHostSettings: clientRetryOptions reach the trigger client', () => {
  it('defaults to the .NET SDK: exponential, 0.8 s, at most a minute, 3 retries (not the JS SDK: fixed 30 s)', () => {
    const settings = readHostSettings({});
    expect(settings.serviceBus.clientRetry).toEqual({
      mode: 'Exponential',
      delayMs: 800,
      maxDelayMs: 60_000,
      maxRetries: 3,
    });
    expect(serviceBusClientOptions(settings, false).retryOptions).toEqual({
      mode: RetryMode.Exponential,
      retryDelayInMs: 800,
      maxRetryDelayInMs: 60_000,
      maxRetries: 3,
      timeoutInMs: 60_000,
    });
  });

  it("reads this repository's host.json: the trigger reconnects after 0.8 s, not after the JS SDK's 30 s", () => {
    const settings = readHostSettings(JSON.parse(readFileSync(new URL('../../host.json', import.meta.url), 'utf8')));
    const options = serviceBusClientOptions(settings, false).retryOptions;
    expect(options).toMatchObject({ mode: RetryMode.Exponential, retryDelayInMs: 800, maxRetries: 5 });
    // Session triggers keep the short accept timeout the local host needs to stop promptly (see trigger.ts).
    expect(serviceBusClientOptions(settings, true).retryOptions?.timeoutInMs).toBe(3_000);
  });

  it('takes the mode in any case and durations as TimeSpan or milliseconds', () => {
    const settings = readHostSettings({
      extensions: {
        serviceBus: { ClientRetryOptions: { Mode: 'fixed', Delay: '00:00:02', maxDelay: 5000, MaxRetries: 0 } },
      },
    });
    expect(settings.serviceBus.clientRetry).toEqual({
      mode: 'Fixed',
      delayMs: 2_000,
      maxDelayMs: 5_000,
      maxRetries: 0,
    });
  });

  it.each([
    [{ mode: 'Linear' }, 'clientRetryOptions.mode must be "Exponential" or "Fixed", got "Linear"'],
    [{ mode: 1 }, 'clientRetryOptions.mode must be "Exponential" or "Fixed", got 1'],
    [{ maxRetries: -1 }, 'clientRetryOptions.maxRetries must be a whole number >= 0, got -1'],
    [{ maxRetries: 1.5 }, 'clientRetryOptions.maxRetries must be a whole number >= 0, got 1.5'],
    [{ delay: 'soon' }, 'clientRetryOptions.delay'],
  ])('refuses %j with an error naming the key', (retry, message) => {
    expect(() => readHostSettings({ extensions: { serviceBus: { clientRetryOptions: retry } } })).toThrow(message);
  });
});
