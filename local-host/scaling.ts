/**
 * Target-based scaling for the app's Service Bus triggers, as the Functions scale controller applies it
 * (azure-sdk-for-net, Microsoft.Azure.WebJobs.Extensions.ServiceBus, `Listeners/ServiceBusTargetScaler.cs`,
 * `GetScaleResultInternal`): each trigger asks for ceil(active messages / per-instance concurrency) instances, where
 * the concurrency is `maxMessageBatchSize` for a batch function, `maxConcurrentSessions` for single dispatch with
 * sessions and `maxConcurrentCalls` without; the app gets the largest ask, within [1, max]. Locally the autoscaler
 * adds instances at once and removes one per interval (Azure scales in gradually too).
 */
import type { HostSettings } from './host-json.js';
import type { HostLogger } from './log.js';

export interface ScaledTrigger {
  functionName: string;
  /** "topic/Subscriptions/subscription" or "queue". */
  entityPath: string;
  many: boolean;
  sessions: boolean;
}

export function concurrencyOf(trigger: ScaledTrigger, host: HostSettings): number {
  if (trigger.many) return host.serviceBus.maxMessageBatchSize;
  return trigger.sessions ? host.serviceBus.maxConcurrentSessions : host.serviceBus.maxConcurrentCalls;
}

/** The instance count the rule asks for, given each trigger's active message count. */
export function desiredInstances(
  triggers: readonly ScaledTrigger[],
  activeCounts: ReadonlyMap<string, number>,
  host: HostSettings,
  max: number,
): number {
  const asks = triggers.map((trigger) =>
    Math.ceil((activeCounts.get(trigger.entityPath) ?? 0) / concurrencyOf(trigger, host)),
  );
  return Math.min(max, Math.max(1, ...asks));
}

export interface AutoscaleOptions {
  triggers: readonly ScaledTrigger[];
  host: HostSettings;
  max: number;
  intervalMs: number;
  /** Active messages per entity path. */
  readActive(entityPaths: readonly string[]): Promise<ReadonlyMap<string, number>>;
  count(): number;
  add(): Promise<void>;
  removeOne(): Promise<void>;
  log: HostLogger;
  signal: AbortSignal;
}

/** Polls the backlog and follows the rule until `signal` aborts. */
export async function runAutoscale(options: AutoscaleOptions): Promise<void> {
  const entityPaths = [...new Set(options.triggers.map((trigger) => trigger.entityPath))];
  while (!options.signal.aborted) {
    try {
      const active = await options.readActive(entityPaths);
      const desired = desiredInstances(options.triggers, active, options.host, options.max);
      const current = options.count();
      if (desired !== current)
        options.log.info('scale.decision', { current, desired, active: Object.fromEntries(active) });
      for (let count = current; count < desired && !options.signal.aborted; count += 1) await options.add();
      if (desired < current) await options.removeOne();
    } catch (error) {
      options.log.warn('scale.read_failed', { error });
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, options.intervalMs);
      options.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
    });
  }
}
