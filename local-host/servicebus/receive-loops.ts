/**
 * Single dispatch on an entity without sessions (`cardinality: 'one'`), as the extension runs it on the SDK's
 * message processor (`Listeners/ServiceBusListener.cs`, `ProcessMessageAsync`; `Config/ServiceBusOptions.cs`,
 * `ToProcessorOptions`): messages as they arrive, up to `maxConcurrentCalls` invocations at a time, each message's
 * lock renewed for up to `maxAutoLockRenewalDuration`.
 */
import type { ServiceBusReceiver } from '@azure/service-bus';
import { dispatch } from './dispatch.js';
import type { LoopDeps } from './loop-deps.js';

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
