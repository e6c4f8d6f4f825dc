/**
 * The serviceBusTrigger, on a queue or a topic subscription, with or without sessions, through the real
 * `@azure/service-bus` receivers. Function-level retry policies do not apply to Service Bus (as in Azure): a failed
 * invocation abandons its messages and the entity redelivers them until MaxDeliveryCount dead-letters them.
 */
import { RetryMode, ServiceBusClient, type ServiceBusClientOptions } from '@azure/service-bus';
import type { HostSettings } from '../host-json.js';
import { triggerOf } from '../trigger-binding.js';
import { Lifecycle } from '../lifecycle.js';
import { connectionString } from '../settings.js';
import type { RunningTrigger, TriggerContext } from '../trigger-context.js';
import { parseServiceBusTriggerOptions } from './options.js';
import { receiverOptions, type LoopDeps } from './loop-deps.js';
import { runBatchLoop } from './batch-loop.js';
import { runStreamingReceiver } from './receive-loops.js';
import { runSessionWorker } from './session-loop.js';

/**
 * How long one accept of a next available session waits before the worker asks again, and so the longest a stop
 * waits for it: the SDK does not give up a pending accept when its abort signal fires, and an accept is bounded by
 * the client's operation timeout (the SDK's default, a minute, would make `close()` wait that long).
 */
const SESSION_ACCEPT_TIMEOUT_MS = 3000;

/** The trigger's client options: host.json's `clientRetryOptions`, with the session accept's own timeout. */
export function serviceBusClientOptions(host: HostSettings, sessions: boolean): ServiceBusClientOptions {
  const retry = host.serviceBus.clientRetry;
  return {
    retryOptions: {
      mode: retry.mode === 'Exponential' ? RetryMode.Exponential : RetryMode.Fixed,
      retryDelayInMs: retry.delayMs,
      maxRetryDelayInMs: retry.maxDelayMs,
      maxRetries: retry.maxRetries,
      timeoutInMs: sessions ? SESSION_ACCEPT_TIMEOUT_MS : host.serviceBus.tryTimeoutMs,
    },
  };
}

export async function startServiceBusTrigger(context: TriggerContext): Promise<RunningTrigger> {
  const what = `function "${context.registration.name}"`;
  const options = parseServiceBusTriggerOptions(
    triggerOf(context.registration.metadata).name,
    context.binding,
    context.env,
    context.host,
    what,
  );
  if (context.registration.metadata.retryOptions) {
    context.log.warn('servicebus.retry_ignored', {
      message:
        'retry policies do not apply to Service Bus triggers; failed messages are abandoned and redelivered by the entity',
    });
  }
  const connection = connectionString(context.env, options.connection, 'fullyQualifiedNamespace', what);
  // One client (one AMQP connection) for the trigger, shared by its session workers as the Functions host does, with
  // host.json's clientRetryOptions as the extension passes them (ServiceBusOptions.ClientRetryOptions).
  const client = new ServiceBusClient(connection, serviceBusClientOptions(context.host, options.sessions));
  const lifecycle = new Lifecycle();
  const deps: LoopDeps = {
    registration: context.registration,
    options,
    client,
    host: context.host,
    log: context.log,
    signal: lifecycle.signal,
  };
  const crashed = (error: unknown): void => context.log.error('servicebus.loop.crashed', { error });
  if (options.many) {
    // Batch functions: one receive loop per function per instance (ServiceBusListener.RunBatchReceiveLoopAsync).
    lifecycle.spawn(() => runBatchLoop(deps), crashed);
  } else if (options.sessions) {
    for (let worker = 0; worker < context.host.serviceBus.maxConcurrentSessions; worker += 1) {
      lifecycle.spawn(() => runSessionWorker(deps), crashed);
    }
  } else {
    const { entity } = options;
    const receiver =
      'queueName' in entity
        ? client.createReceiver(entity.queueName, receiverOptions(deps))
        : client.createReceiver(entity.topicName, entity.subscriptionName, receiverOptions(deps));
    lifecycle.spawn(async () => {
      try {
        await runStreamingReceiver(deps, receiver);
      } finally {
        await receiver.close();
      }
    }, crashed);
  }
  context.log.info('servicebus.trigger.started', {
    entity: options.entityPath,
    sessions: options.sessions,
    cardinality: options.many ? 'many' : 'one',
    dataType: options.dataType ?? null,
    autoCompleteMessages: options.autoComplete,
  });
  return {
    stop: async () => {
      await lifecycle.stop();
      await client.close();
    },
  };
}
