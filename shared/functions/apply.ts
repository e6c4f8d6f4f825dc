/**
 * The subscriber function of one target: trigger options and handler. `functions/apply-changes.ts` only registers
 * what this builds, one function per configured target.
 *
 * The trigger uses the Service Bus SDK binding with auto-completion off, so the runner settles each message itself:
 * that is what lets one bad message go to the dead-letter queue while the rest of its batch completes.
 */
import type { ServiceBusReceivedMessage } from '@azure/service-bus';
import type { InvocationContext, ServiceBusTopicFunctionOptions } from '@azure/functions';
import { SERVICE_BUS_CONNECTION, type AppConfig } from '../config/load.js';
import type { TargetConfig } from '../config/schema.js';
import { createLogger } from '../logging.js';
import type { BatchRecorder } from '../subscribe/batch-summary.js';
import { processBatch, type MessageSettlement } from '../subscribe/runner.js';
import { createTarget } from '../targets/registry.js';
import type { Target } from '../targets/target.js';

/** What the SDK binding hands the handler (the shape of `ServiceBusMessageContext`). */
export interface SdkBoundMessages {
  messages: ServiceBusReceivedMessage | ServiceBusReceivedMessage[];
  actions: MessageSettlement;
}

export interface ApplyDependencies {
  /** Made once per process; reused by every invocation. */
  target: Target;
  recorder: BatchRecorder;
}

export function createApplyHandler(config: AppConfig, target: TargetConfig, deps: () => ApplyDependencies) {
  return async (trigger: SdkBoundMessages, context: InvocationContext): Promise<void> => {
    const logger = createLogger(context, config.settings.COSMOS_SYNC_LOG_LEVEL, {
      function: context.functionName,
      invocationId: context.invocationId,
      target: target.name,
    });
    const messages = Array.isArray(trigger.messages) ? trigger.messages : [trigger.messages];
    const { target: instance, recorder } = deps();
    await processBatch({ target: instance, recorder, logger, sources: target.sources }, messages, trigger.actions);
  };
}

/** Lazily builds the target and recorder on first use, so a module load never opens connections. */
export function lazyDependencies(
  config: AppConfig,
  target: TargetConfig,
  recorder: () => BatchRecorder,
): () => ApplyDependencies {
  let made: ApplyDependencies | undefined;
  return () => (made ??= { target: createTarget(target, config), recorder: recorder() });
}

type ApplyFunctionOptions = ServiceBusTopicFunctionOptions<SdkBoundMessages> & { autoCompleteMessages: false };

export function applyFunctionOptions(
  config: AppConfig,
  target: TargetConfig,
  deps: () => ApplyDependencies,
): ApplyFunctionOptions {
  return {
    connection: SERVICE_BUS_CONNECTION,
    topicName: config.settings.COSMOS_SYNC_TOPIC,
    subscriptionName: target.subscription,
    isSessionsEnabled: true,
    cardinality: 'many',
    sdkBinding: true,
    autoCompleteMessages: false,
    handler: createApplyHandler(config, target, deps),
  };
}
