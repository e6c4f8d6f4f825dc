/**
 * One invocation for received messages, as the Service Bus extension's listener runs it with `autoCompleteMessages`
 * (azure-sdk-for-net, Microsoft.Azure.WebJobs.Extensions.ServiceBus, `Listeners/ServiceBusListener.cs`,
 * `TriggerAndCompleteMessagesInternal`): the host binds the messages (a binding failure fails the invocation before
 * the worker sees it), invokes the function through the worker contract, then completes every message when it
 * succeeded and auto-completion is on, and abandons every message when it failed, whatever auto-completion says.
 * Never throws: a failed invocation or settlement is logged, and the receive loop goes on.
 */
import type { ServiceBusReceivedMessage, ServiceBusReceiver, ServiceBusSessionReceiver } from '@azure/service-bus';
import type { Registration } from '../functions-core.js';
import type { HostLogger } from '../log.js';
import { invokeThroughWorker } from '../worker/invoke.js';
import type { InvocationInput } from '../worker/rpc.js';
import { batchBindingData, singleBindingData, type BindingDataContext } from './binding-data.js';
import type { ServiceBusTriggerOptions } from './options.js';
import { triggerValue, withBodyProperties } from './trigger-value.js';

function bindingContext(
  receiver: ServiceBusReceiver | ServiceBusSessionReceiver,
  namespace: string,
): BindingDataContext {
  const lockedUntil = 'sessionLockedUntilUtc' in receiver ? receiver.sessionLockedUntilUtc : undefined;
  return { namespace, sessionLockedUntil: lockedUntil };
}

/** The invocation request's input, as the host builds it; throws what the binding would throw. */
export function serviceBusInput(
  options: ServiceBusTriggerOptions,
  messages: readonly ServiceBusReceivedMessage[],
  context: BindingDataContext,
): InvocationInput {
  const value = triggerValue(messages, options.many, options.dataType);
  const triggerMetadata = options.many
    ? batchBindingData(messages, context)
    : withBodyProperties(singleBindingData(messages[0] as ServiceBusReceivedMessage, context), value);
  return { inputData: [{ name: options.bindingName, data: value }], triggerMetadata };
}

async function settle(
  receiver: ServiceBusReceiver | ServiceBusSessionReceiver,
  messages: readonly ServiceBusReceivedMessage[],
  outcome: 'complete' | 'abandon',
  log: HostLogger,
): Promise<void> {
  const results = await Promise.allSettled(
    messages.map((message) =>
      outcome === 'complete' ? receiver.completeMessage(message) : receiver.abandonMessage(message),
    ),
  );
  for (const result of results) {
    if (result.status === 'rejected') log.error(`servicebus.${outcome}_failed`, { error: result.reason as unknown });
  }
}

export async function dispatch(
  registration: Registration,
  options: ServiceBusTriggerOptions,
  receiver: ServiceBusReceiver | ServiceBusSessionReceiver,
  namespace: string,
  messages: ServiceBusReceivedMessage[],
  log: HostLogger,
): Promise<void> {
  const sessionId = messages[0]?.sessionId;
  const logFields = { messages: messages.length, ...(sessionId !== undefined ? { sessionId } : {}) };
  let input: InvocationInput;
  try {
    input = serviceBusInput(options, messages, bindingContext(receiver, namespace));
  } catch (error) {
    log.error('invocation.failed', { functionName: registration.name, stage: 'binding', ...logFields, error });
    await settle(receiver, messages, 'abandon', log);
    return;
  }
  try {
    await invokeThroughWorker({ registration, input, log, logFields });
  } catch {
    // invokeThroughWorker logged the failure; the messages go back to the entity.
    await settle(receiver, messages, 'abandon', log);
    return;
  }
  if (options.autoComplete) await settle(receiver, messages, 'complete', log);
}
