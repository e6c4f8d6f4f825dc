/** What every trigger gets from the host, and what it gives back: something the host can stop. */
import type { Registration } from './functions-core.js';
import type { HostSettings } from './host-json.js';
import type { HostLogger } from './log.js';
import type { Env } from './settings.js';

export interface TriggerContext {
  registration: Registration;
  /** The trigger binding's options, as the metadata holds them. */
  binding: Record<string, unknown>;
  env: Env;
  host: HostSettings;
  /** Already carries the function name. */
  log: HostLogger;
}

export interface RunningTrigger {
  /** Stops listening, waits for in-flight invocations and releases what the trigger holds (leases, receivers). */
  stop(): Promise<void>;
}
