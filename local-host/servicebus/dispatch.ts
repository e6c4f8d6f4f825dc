/**
 * One invocation for received messages: builds the input (bodies, or `{ messages, actions }` with `sdkBinding`) and
 * the trigger metadata, invokes the function and settles what it left unsettled. Never throws: a failed invocation
 * or settlement is logged, and the receive loop goes on.
 */
import type { ServiceBusReceivedMessage, ServiceBusReceiver, ServiceBusSessionReceiver } from '@azure/service-bus';
import type { Registration } from '../functions-core.js';
import { invokeFunction } from '../invocation.js';
import type { HostLogger } from '../log.js';
import { plainBody, triggerMetadataFor } from './messages.js';
import type { ServiceBusTriggerOptions } from './options.js';
import { Settlement, type ServiceBusMessageContext } from './settlement.js';

export interface DispatchResult {
  /** The function asked for the session to be released (`actions.releaseSession`). */
  releaseSession: boolean;
}

export async function dispatch(
  registration: Registration,
  options: ServiceBusTriggerOptions,
  receiver: ServiceBusReceiver | ServiceBusSessionReceiver,
  messages: ServiceBusReceivedMessage[],
  log: HostLogger,
): Promise<DispatchResult> {
  const settlement = new Settlement(receiver, log);
  let input: unknown;
  if (options.sdkBinding) input = { messages, actions: settlement.actions } satisfies ServiceBusMessageContext;
  else input = options.many ? messages.map(plainBody) : plainBody(messages[0] as ServiceBusReceivedMessage);
  const sessionId = messages[0]?.sessionId;
  try {
    await invokeFunction({
      registration,
      input,
      log,
      triggerMetadata: triggerMetadataFor(messages, options.many),
      logFields: { messages: messages.length, ...(sessionId !== undefined ? { sessionId } : {}) },
    });
  } catch {
    // invokeFunction logged the failure; what the function left unsettled goes back to the entity.
    await settlement.finish(messages, 'abandon');
    return { releaseSession: settlement.releaseRequested };
  }
  if (options.autoComplete) await settlement.finish(messages, 'complete');
  return { releaseSession: settlement.releaseRequested };
}
