/**
 * The batch trigger (`cardinality: 'many'`) as the Service Bus extension 5.x runs it (azure-sdk-for-net,
 * `Microsoft.Azure.WebJobs.Extensions.ServiceBus`, `Listeners/ServiceBusListener.cs`, `RunBatchReceiveLoopAsync`,
 * `TriggerWithMessagesInternal`, `DispatchRemainingMessages`, `MonitorCache`):
 *
 * - ONE receive loop per function per host instance, and one invocation at a time. `maxConcurrentSessions` and
 *   `maxConcurrentCalls` do not apply; scale-out (more instances) is how batches run in parallel.
 * - With sessions, the loop accepts the next available session and keeps receiving from it, each receive waiting up
 *   to `sessionIdleTimeout`, until a receive returns nothing: then it dispatches what the cache holds and closes the
 *   session. Only then does it accept another. Nothing renews the session lock, nor a message's lock.
 * - Without sessions, one receiver; a receive waits up to the client's operation timeout (`tryTimeout`).
 * - With `minMessageBatchSize` above 1, received messages join a cache and leave it `minMessageBatchSize` to
 *   `maxMessageBatchSize` at a time; while messages wait there, a monitor dispatches them all once
 *   `maxBatchWaitTime` has passed since it started. A new session starts with a new cache.
 * - An error closes the session (or the receiver) and the loop goes on.
 * - On stop, the loop ends, the monitor finishes, and what the cache still holds is dispatched.
 */
import type { ServiceBusReceivedMessage, ServiceBusReceiver, ServiceBusSessionReceiver } from '@azure/service-bus';
import { sleep } from '../lifecycle.js';
import { dispatch } from './dispatch.js';
import { Inbox } from './inbox.js';
import { acceptNextSession, ERROR_PAUSE_MS, isAbort, receiverOptions, type LoopDeps } from './loop-deps.js';
import { Guard, MessageCache } from './message-cache.js';

interface Source {
  receiver: ServiceBusReceiver | ServiceBusSessionReceiver;
  inbox: Inbox;
}

interface Monitor {
  controller: AbortController;
  done: Promise<void>;
}

export async function runBatchLoop(deps: LoopDeps): Promise<void> {
  const settings = deps.host.serviceBus;
  const { sessions } = deps.options;
  const supportsMinimum = settings.minMessageBatchSize > 1;
  const guard = new Guard();
  let cache = new MessageCache<ServiceBusReceivedMessage>(settings.maxMessageBatchSize, settings.minMessageBatchSize);
  let monitor: Monitor | undefined;
  let current: Source | undefined;

  const logOf = (source: Source) =>
    'sessionId' in source.receiver ? deps.log.child({ sessionId: source.receiver.sessionId }) : deps.log;
  const dispatchBatch = (source: Source, batch: ServiceBusReceivedMessage[]): Promise<void> =>
    dispatch(
      deps.registration,
      deps.options,
      source.receiver,
      deps.client.fullyQualifiedNamespace,
      batch,
      logOf(source),
    );
  const cancelMonitor = (): void => {
    monitor?.controller.abort();
    monitor = undefined;
  };
  const startMonitor = (source: Source): void => {
    const controller = new AbortController();
    const done = (async () => {
      if (!(await sleep(settings.maxBatchWaitTimeMs, AbortSignal.any([controller.signal, deps.signal])))) return;
      // The monitor holds the guard while its batch runs, so the loop cannot take from the cache meanwhile.
      await guard.run(async () => {
        const batch = cache.take([], true);
        if (batch.length > 0) await dispatchBatch(source, batch);
      });
      if (monitor?.controller === controller) monitor = undefined;
    })();
    monitor = { controller, done };
  };
  const dispatchRemaining = async (source: Source): Promise<void> => {
    if (!supportsMinimum || !cache.hasCached) return;
    const batch = await guard.run(async () => cache.take([], true));
    if (batch.length > 0) await dispatchBatch(source, batch);
  };
  const close = async (source: Source): Promise<void> => {
    await source.inbox.close().catch((error: unknown) => deps.log.warn('servicebus.receiver.close_failed', { error }));
    await source.receiver
      .close()
      .catch((error: unknown) => deps.log.warn('servicebus.receiver.close_failed', { error }));
  };
  const open = async (): Promise<Source | undefined> => {
    if (sessions) {
      // Batch functions get no lock renewal, for the session as for its messages.
      const receiver = await acceptNextSession(deps, 0);
      if (typeof receiver === 'string') return undefined;
      cache = new MessageCache(settings.maxMessageBatchSize, settings.minMessageBatchSize);
      deps.log.debug('servicebus.session.accepted', { sessionId: receiver.sessionId });
      return { receiver, inbox: new Inbox(receiver, settings.maxMessageBatchSize) };
    }
    const { entity } = deps.options;
    const options = { ...receiverOptions(deps), maxAutoLockRenewalDurationInMs: 0 };
    const receiver =
      'queueName' in entity
        ? deps.client.createReceiver(entity.queueName, options)
        : deps.client.createReceiver(entity.topicName, entity.subscriptionName, options);
    return { receiver, inbox: new Inbox(receiver, settings.maxMessageBatchSize) };
  };

  while (!deps.signal.aborted) {
    try {
      current ??= await open();
      if (!current) continue;
      const waitMs = sessions ? settings.sessionIdleTimeoutMs : settings.tryTimeoutMs;
      const messages = await current.inbox.receive(settings.maxMessageBatchSize, waitMs, deps.signal);
      if (deps.signal.aborted) break;
      if (messages.length > 0) {
        const batch = supportsMinimum ? await guard.run(async () => cache.take(messages)) : messages;
        if (batch.length > 0) {
          cancelMonitor();
          await dispatchBatch(current, batch);
        }
        if (supportsMinimum && cache.hasCached && !monitor) startMonitor(current);
      } else if (sessions) {
        // Nothing came within the idle timeout: what is cached goes out, and the session is released.
        cancelMonitor();
        await dispatchRemaining(current);
        await close(current);
        current = undefined;
      }
    } catch (error) {
      if (isAbort(error, deps.signal)) break;
      deps.log.error('servicebus.batch_loop_failed', { error, cachedMessagesAbandoned: sessions && cache.hasCached });
      cancelMonitor();
      if (current) await close(current);
      current = undefined;
      await sleep(ERROR_PAUSE_MS, deps.signal);
    }
  }
  // Stopping: the monitor finishes what it started, then what is still cached is dispatched, as StopAsync does.
  await monitor?.done;
  if (current) {
    await dispatchRemaining(current).catch((error: unknown) => deps.log.error('servicebus.dispatch_failed', { error }));
    await close(current);
  }
}
