/** What the Service Bus receive loops share: the function, its options, clients, host settings and stop signal. */
import { isServiceBusError, type ServiceBusClient, type ServiceBusSessionReceiver } from '@azure/service-bus';
import type { Registration } from '../functions-core.js';
import type { HostSettings } from '../host-json.js';
import { sleep, withChildSignal } from '../lifecycle.js';
import type { HostLogger } from '../log.js';
import type { ServiceBusTriggerOptions } from './options.js';

export interface LoopDeps {
  registration: Registration;
  options: ServiceBusTriggerOptions;
  /** The trigger's client (one AMQP connection): its receivers and session accepts. */
  client: ServiceBusClient;
  host: HostSettings;
  log: HostLogger;
  signal: AbortSignal;
}

export const ERROR_PAUSE_MS = 1000;

export function isAbort(error: unknown, signal: AbortSignal): boolean {
  return signal.aborted || (error instanceof Error && error.name === 'AbortError');
}

export function receiverOptions(deps: LoopDeps): {
  receiveMode: 'peekLock';
  skipParsingBodyAsJson: true;
  maxAutoLockRenewalDurationInMs: number;
} {
  // Raw bytes, as the Functions extension hands them to the worker; the host decodes them itself.
  return {
    receiveMode: 'peekLock',
    skipParsingBodyAsJson: true,
    maxAutoLockRenewalDurationInMs: deps.host.serviceBus.maxAutoLockRenewalDurationMs,
  };
}

/**
 * The next available session, or why there is none: no session in time (`idle`) or a failure (`failed`, logged).
 * `autoRenewMs` is how long the SDK keeps renewing the session lock (0: never, as for batch functions).
 */
export async function acceptNextSession(
  deps: LoopDeps,
  autoRenewMs: number,
): Promise<ServiceBusSessionReceiver | 'idle' | 'failed'> {
  const { client } = deps;
  const { entity } = deps.options;
  try {
    return await withChildSignal(deps.signal, (abortSignal) => {
      const options = { ...receiverOptions(deps), maxAutoLockRenewalDurationInMs: autoRenewMs, abortSignal };
      return 'queueName' in entity
        ? client.acceptNextSession(entity.queueName, options)
        : client.acceptNextSession(entity.topicName, entity.subscriptionName, options);
    });
  } catch (error) {
    // No session became available in time: expected when the entity is empty, try again.
    if (isAbort(error, deps.signal) || (isServiceBusError(error) && error.code === 'ServiceTimeout')) return 'idle';
    deps.log.error('servicebus.accept_session_failed', { error });
    await sleep(ERROR_PAUSE_MS, deps.signal);
    return 'failed';
  }
}
