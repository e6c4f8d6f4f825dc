/** What the Service Bus receive loops share: the function, its options, clients, host settings and stop signal. */
import type { ServiceBusClient } from '@azure/service-bus';
import type { Registration } from '../functions-core.js';
import type { HostSettings } from '../host-json.js';
import type { HostLogger } from '../log.js';
import type { ServiceBusTriggerOptions } from './options.js';

export interface LoopDeps {
  registration: Registration;
  options: ServiceBusTriggerOptions;
  /** The trigger's client: its receiver, or for sessions the one its workers accept sessions on. */
  client: ServiceBusClient;
  host: HostSettings;
  log: HostLogger;
  signal: AbortSignal;
}

/** How long a non-session receive waits for messages before asking again; stopping interrupts it. */
export const RECEIVE_WAIT_MS = 5000;
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
