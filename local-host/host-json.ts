/**
 * The few host.json settings the local host honours (host.json keys are case-insensitive, as .NET configuration
 * reads them). Everything else in host.json is ignored locally; docs/local-host.md lists what is read.
 */
import { cpus } from 'node:os';
import { requireDurationMs } from './durations.js';

export interface HostSettings {
  http: { routePrefix: string };
  serviceBus: {
    maxConcurrentSessions: number;
    maxConcurrentCalls: number;
    maxMessageBatchSize: number;
    /** Batch functions: hold received messages until this many are there (or `maxBatchWaitTimeMs` passed). */
    minMessageBatchSize: number;
    maxBatchWaitTimeMs: number;
    /** How long a session may stay empty before its receiver is closed so another session gets a turn. */
    sessionIdleTimeoutMs: number;
    /** `clientRetryOptions.tryTimeout`: how long one operation (a receive without a wait of its own) may take. */
    tryTimeoutMs: number;
    /**
     * The rest of `clientRetryOptions`, which the host hands to its Service Bus client: how failed operations and
     * lost connections are retried. A link that drops is re-opened after `delayMs` (Exponential: growing up to
     * `maxDelayMs`), so these decide how soon a trigger receives again after an outage.
     */
    clientRetry: { mode: 'Exponential' | 'Fixed'; delayMs: number; maxDelayMs: number; maxRetries: number };
    autoCompleteMessages: boolean;
    maxAutoLockRenewalDurationMs: number;
  };
}

/** The Service Bus SDK's default operation timeout (`ServiceBusRetryOptions.TryTimeout`), a minute. */
const TRY_TIMEOUT_DEFAULT_MS = 60_000;

/**
 * `ServiceBusRetryOptions` defaults of Azure.Messaging.ServiceBus (azure-sdk-for-net,
 * `sdk/servicebus/Azure.Messaging.ServiceBus/src/Primitives/ServiceBusRetryOptions.cs`), which the extension uses when
 * host.json does not set `clientRetryOptions`. The JavaScript SDK's own defaults differ (Fixed, 30 s between tries),
 * and would make a local trigger wait half a minute to reconnect where Azure waits under a second.
 */
const CLIENT_RETRY_DEFAULTS = { mode: 'Exponential', delayMs: 800, maxDelayMs: 60_000, maxRetries: 3 } as const;

/** The Service Bus extension's default `maxBatchWaitTime`. */
const MAX_BATCH_WAIT_DEFAULT_MS = 30_000;

function section(value: unknown, key: string): Record<string, unknown> {
  if (typeof value !== 'object' || value === null) return {};
  const found = Object.entries(value).find(([name]) => name.toLowerCase() === key.toLowerCase());
  return typeof found?.[1] === 'object' && found[1] !== null ? (found[1] as Record<string, unknown>) : {};
}

function setting(values: Record<string, unknown>, key: string): unknown {
  return Object.entries(values).find(([name]) => name.toLowerCase() === key.toLowerCase())?.[1];
}

function positiveInteger(values: Record<string, unknown>, key: string, fallback: number): number {
  const value = setting(values, key);
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw new Error(
      `host.json: extensions.serviceBus.${key} must be a whole number >= 1, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

export function readHostSettings(hostJson: unknown): HostSettings {
  const extensions = section(hostJson, 'extensions');
  const http = section(extensions, 'http');
  const serviceBus = section(extensions, 'serviceBus');
  const routePrefix = setting(http, 'routePrefix');
  if (routePrefix !== undefined && typeof routePrefix !== 'string') {
    throw new Error('host.json: extensions.http.routePrefix must be a string');
  }
  const autoComplete = setting(serviceBus, 'autoCompleteMessages');
  if (autoComplete !== undefined && typeof autoComplete !== 'boolean') {
    throw new Error('host.json: extensions.serviceBus.autoCompleteMessages must be true or false');
  }
  const what = (key: string): string => `host.json: extensions.serviceBus.${key}`;
  const maxMessageBatchSize = positiveInteger(serviceBus, 'maxMessageBatchSize', 1000);
  const minMessageBatchSize = positiveInteger(serviceBus, 'minMessageBatchSize', 1);
  if (minMessageBatchSize > maxMessageBatchSize) {
    throw new Error(
      `host.json: extensions.serviceBus.minMessageBatchSize (${minMessageBatchSize}) must not exceed maxMessageBatchSize (${maxMessageBatchSize})`,
    );
  }
  const maxBatchWaitTimeMs = requireDurationMs(
    setting(serviceBus, 'maxBatchWaitTime'),
    what('maxBatchWaitTime'),
    MAX_BATCH_WAIT_DEFAULT_MS,
  );
  const clientRetryOptions = section(serviceBus, 'clientRetryOptions');
  const tryTimeoutMs = requireDurationMs(
    setting(clientRetryOptions, 'tryTimeout'),
    what('clientRetryOptions.tryTimeout'),
    TRY_TIMEOUT_DEFAULT_MS,
  );
  const mode = setting(clientRetryOptions, 'mode') ?? CLIENT_RETRY_DEFAULTS.mode;
  const modeName =
    typeof mode === 'string'
      ? ['Exponential', 'Fixed'].find((name) => name.toLowerCase() === mode.toLowerCase())
      : undefined;
  if (modeName === undefined) {
    throw new Error(`${what('clientRetryOptions.mode')} must be "Exponential" or "Fixed", got ${JSON.stringify(mode)}`);
  }
  const maxRetries = setting(clientRetryOptions, 'maxRetries') ?? CLIENT_RETRY_DEFAULTS.maxRetries;
  if (typeof maxRetries !== 'number' || !Number.isInteger(maxRetries) || maxRetries < 0) {
    throw new Error(
      `${what('clientRetryOptions.maxRetries')} must be a whole number >= 0, got ${JSON.stringify(maxRetries)}`,
    );
  }
  const clientRetry = {
    mode: modeName as 'Exponential' | 'Fixed',
    delayMs: requireDurationMs(
      setting(clientRetryOptions, 'delay'),
      what('clientRetryOptions.delay'),
      CLIENT_RETRY_DEFAULTS.delayMs,
    ),
    maxDelayMs: requireDurationMs(
      setting(clientRetryOptions, 'maxDelay'),
      what('clientRetryOptions.maxDelay'),
      CLIENT_RETRY_DEFAULTS.maxDelayMs,
    ),
    maxRetries,
  };
  return {
    http: { routePrefix: (routePrefix ?? 'api').replace(/^\/+|\/+$/g, '') },
    serviceBus: {
      maxConcurrentSessions: positiveInteger(serviceBus, 'maxConcurrentSessions', 8),
      maxConcurrentCalls: positiveInteger(serviceBus, 'maxConcurrentCalls', 16 * cpus().length),
      maxMessageBatchSize,
      minMessageBatchSize,
      maxBatchWaitTimeMs,
      // Unset, the session idle timeout is the operation timeout, as in the SDK's receivers and processors.
      sessionIdleTimeoutMs: requireDurationMs(
        setting(serviceBus, 'sessionIdleTimeout'),
        what('sessionIdleTimeout'),
        tryTimeoutMs,
      ),
      tryTimeoutMs,
      clientRetry,
      autoCompleteMessages: autoComplete ?? true,
      maxAutoLockRenewalDurationMs: requireDurationMs(
        setting(serviceBus, 'maxAutoLockRenewalDuration'),
        what('maxAutoLockRenewalDuration'),
        5 * 60_000,
      ),
    },
  };
}
