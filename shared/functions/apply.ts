/**
 * The subscriber function of one target: trigger options and handler. `functions/apply-changes.ts` only registers
 * what this builds, one function per configured target.
 *
 * The trigger uses the generally available Service Bus binding with `dataType: 'binary'`, so the host hands over the
 * bodies as bytes (no Json.NET round trip that would reformat dates inside documents, and no binding failure for a
 * body that is not JSON), the message properties come in the trigger metadata, and the host completes what it handed
 * over when the handler returns and abandons it when the handler throws. Why not the SDK binding: docs/local-host.md,
 * "Subscriber binding". How the two shapes below behave in Azure, and why: README, "How it works".
 *
 * - Unordered targets (the default): batches (`cardinality: 'many'`) from a subscription without sessions. Every
 *   instance's batch loop competes for the same messages, so scale-out is what makes them fast; the version guard
 *   makes the order of arrival irrelevant.
 * - Ordered targets: single dispatch on a session subscription, so the host's session processor runs up to
 *   `maxConcurrentSessions` sessions (partition-key buckets) at once per instance, one message at a time within each,
 *   renewing the session lock: every bucket keeps moving and each key's events arrive in order.
 */
import type { InvocationContext, ServiceBusTopicFunctionOptions } from '@azure/functions';
import { claimStoreFor } from '../claims/from-config.js';
import type { ClaimReader } from '../claims/store.js';
import { SERVICE_BUS_CONNECTION, type AppConfig } from '../config/load.js';
import type { TargetConfig } from '../config/schema.js';
import { createLogger } from '../logging.js';
import type { PoisonStore } from '../poison/store.js';
import type { BatchRecorder } from '../subscribe/batch-summary.js';
import { deliveriesOf } from '../subscribe/delivery.js';
import { shutdownSignal } from '../lifecycle/shutdown.js';
import { processBatch } from '../subscribe/runner.js';
import { createTarget } from '../targets/registry.js';
import type { Target } from '../targets/target.js';

/**
 * What a subscriber function needs to know of its target: a configured target (COSMOS_SYNC_TARGETS) is one, and so is
 * a custom subscriber, a user's own function file that applies events to a store of its own (docs/custom-subscriber.md).
 */
export type SubscriberSpec = Pick<TargetConfig, 'name' | 'subscription' | 'ordered' | 'sources'>;

export interface ApplyDependencies {
  /** Made once per process; reused by every invocation. */
  target: Target;
  recorder: BatchRecorder;
  poison: PoisonStore;
  /**
   * Where claim-checked events are read from. Default: the app's claim container (AzureWebJobsStorage,
   * COSMOS_SYNC_CLAIM_CONTAINER), so built-in and custom subscribers resolve large events alike.
   */
  claims?: ClaimReader;
}

export function createApplyHandler(config: AppConfig, target: SubscriberSpec, deps: () => ApplyDependencies) {
  return async (bodies: unknown, context: InvocationContext): Promise<void> => {
    const logger = createLogger(context, config.settings.COSMOS_SYNC_LOG_LEVEL, {
      function: context.functionName,
      invocationId: context.invocationId,
      target: target.name,
    });
    const deliveries = deliveriesOf(bodies, context.triggerMetadata, target.ordered ? 'one' : 'many');
    const { target: instance, recorder, poison, claims } = deps();
    await processBatch(
      {
        target: instance,
        recorder,
        poison,
        claims: claims ?? claimStoreFor(config),
        logger,
        sources: target.sources,
        signal: shutdownSignal(),
      },
      deliveries,
    );
  };
}

/** Lazily builds the target and stores on first use, so a module load never opens connections. */
export function lazyDependencies(
  config: AppConfig,
  target: TargetConfig,
  stores: () => Omit<ApplyDependencies, 'target'>,
): () => ApplyDependencies {
  let made: ApplyDependencies | undefined;
  return () => (made ??= { target: createTarget(target, config), ...stores() });
}

/**
 * The options `app.serviceBusTopic` gets. `dataType` and `autoCompleteMessages` are binding properties the host and
 * the extension read; `@azure/functions` 4.16.5 does not declare them for topics, but copies every option into the
 * binding, so they are added to its type here.
 */
export type ApplyFunctionOptions = ServiceBusTopicFunctionOptions & {
  dataType: 'binary';
  autoCompleteMessages: true;
};

export function applyFunctionOptions(
  config: AppConfig,
  target: SubscriberSpec,
  deps: () => ApplyDependencies,
): ApplyFunctionOptions {
  return {
    connection: SERVICE_BUS_CONNECTION,
    topicName: config.settings.COSMOS_SYNC_TOPIC,
    subscriptionName: target.subscription,
    isSessionsEnabled: target.ordered,
    cardinality: target.ordered ? 'one' : 'many',
    dataType: 'binary',
    autoCompleteMessages: true,
    handler: createApplyHandler(config, target, deps),
  };
}
