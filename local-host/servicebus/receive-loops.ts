/**
 * The receive loops for entities without sessions: one receiver; a `many` function gets batches one after another,
 * a `one` function gets single messages as they arrive, with up to `maxConcurrentCalls` invocations at a time.
 */
import type { ServiceBusReceivedMessage, ServiceBusReceiver } from '@azure/service-bus';
import { sleep, withChildSignal } from '../lifecycle.js';
import { dispatch } from './dispatch.js';
import { ERROR_PAUSE_MS, RECEIVE_WAIT_MS, isAbort, type LoopDeps } from './loop-deps.js';

/** Batches one after another, for a `many` function on an entity without sessions. */
export async function runBatchReceiver(deps: LoopDeps, receiver: ServiceBusReceiver): Promise<void> {
  while (!deps.signal.aborted) {
    let messages: ServiceBusReceivedMessage[];
    try {
      messages = await withChildSignal(deps.signal, (abortSignal) =>
        receiver.receiveMessages(deps.host.serviceBus.maxMessageBatchSize, {
          maxWaitTimeInMs: RECEIVE_WAIT_MS,
          abortSignal,
        }),
      );
    } catch (error) {
      if (isAbort(error, deps.signal)) return;
      deps.log.error('servicebus.receive_failed', { error });
      await sleep(ERROR_PAUSE_MS, deps.signal);
      continue;
    }
    if (messages.length > 0)
      await dispatch(
        deps.registration,
        deps.options,
        receiver,
        deps.client.fullyQualifiedNamespace,
        messages,
        deps.log,
      );
  }
}

/**
 * Single messages as they arrive, up to `maxConcurrentCalls` at a time, for a `one` function on an entity without
 * sessions: the SDK's streaming receiver, as the Functions extension uses a message processor there.
 */
export async function runStreamingReceiver(deps: LoopDeps, receiver: ServiceBusReceiver): Promise<void> {
  const inFlight = new Set<Promise<unknown>>();
  const subscription = receiver.subscribe(
    {
      processMessage: async (message) => {
        const running = dispatch(
          deps.registration,
          deps.options,
          receiver,
          deps.client.fullyQualifiedNamespace,
          [message],
          deps.log,
        );
        inFlight.add(running);
        await running.finally(() => inFlight.delete(running));
      },
      processError: async (args) => {
        if (!deps.signal.aborted)
          deps.log.error('servicebus.receive_failed', { error: args.error, errorSource: args.errorSource });
      },
    },
    { autoCompleteMessages: false, maxConcurrentCalls: deps.host.serviceBus.maxConcurrentCalls },
  );
  await new Promise<void>((resolve) => {
    if (deps.signal.aborted) resolve();
    else deps.signal.addEventListener('abort', () => resolve(), { once: true });
  });
  await subscription.close();
  await Promise.allSettled([...inFlight]);
}
