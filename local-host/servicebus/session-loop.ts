/**
 * The session receive loop: up to `maxConcurrentSessions` workers each accept the next available session, receive
 * batches from it (the whole batch to a `many` function; one message at a time, in order, to a `one` function) and
 * close the session once it has been empty for the idle timeout, so other sessions get a turn.
 */
import { isServiceBusError, type ServiceBusReceivedMessage, type ServiceBusSessionReceiver } from '@azure/service-bus';
import { sleep, withChildSignal } from '../lifecycle.js';
import { dispatch } from './dispatch.js';
import { SessionInbox } from './session-inbox.js';
import { ERROR_PAUSE_MS, isAbort, receiverOptions, type LoopDeps } from './loop-deps.js';

/** A session receiver, or why there is none: no session in time (`idle`) or a failure (`failed`, logged). */
async function acceptNextSession(deps: LoopDeps): Promise<ServiceBusSessionReceiver | 'idle' | 'failed'> {
  const { client } = deps;
  const { entity } = deps.options;
  try {
    return await withChildSignal(deps.signal, (abortSignal) => {
      const options = { ...receiverOptions(deps), abortSignal };
      return 'queueName' in entity
        ? client.acceptNextSession(entity.queueName, options)
        : client.acceptNextSession(entity.topicName, entity.subscriptionName, options);
    });
  } catch (error) {
    // No session became available in time: expected when the entity is empty, try again.
    if (isAbort(error, deps.signal) || (isServiceBusError(error) && error.code === 'ServiceTimeout')) return 'idle';
    deps.log.error('servicebus.accept_session_failed', { error });
    await sleep(ERROR_PAUSE_MS, deps.signal);
    return 'failed';
  }
}

/**
 * Receives from one session until it is idle (nothing for `sessionIdleTimeout`). A `many` function gets
 * batches as the Service Bus extension's batch loop forms them: each receive's messages; or, with
 * `minMessageBatchSize` above 1, messages held until that many are there, until `maxBatchWaitTime` has passed since
 * holding began, or until the session goes idle (then what is held goes out before the session closes).
 */
async function drainSession(deps: LoopDeps, receiver: ServiceBusSessionReceiver): Promise<void> {
  const log = deps.log.child({ sessionId: receiver.sessionId });
  const settings = deps.host.serviceBus;
  const batchSize = deps.options.many ? settings.maxMessageBatchSize : 1;
  const minimum = deps.options.many ? settings.minMessageBatchSize : 1;
  const inbox = new SessionInbox(receiver, batchSize);
  const held: ServiceBusReceivedMessage[] = [];
  let holdUntil = Number.POSITIVE_INFINITY;
  log.debug('servicebus.session.accepted');
  /** Hands `count` held messages to the function. */
  const dispatchHeld = async (count: number): Promise<void> => {
    const taken = held.splice(0, count);
    holdUntil = held.length > 0 ? Date.now() + settings.maxBatchWaitTimeMs : Number.POSITIVE_INFINITY;
    for (const batch of deps.options.many ? [taken] : taken.map((message) => [message])) {
      await dispatch(deps.registration, deps.options, receiver, deps.client.fullyQualifiedNamespace, batch, log);
    }
  };
  try {
    while (!deps.signal.aborted) {
      const waitMs = Math.min(settings.sessionIdleTimeoutMs, holdUntil - Date.now());
      let messages: ServiceBusReceivedMessage[];
      try {
        messages = await inbox.receive(batchSize, waitMs, deps.signal);
      } catch (error) {
        if (!isAbort(error, deps.signal)) log.error('servicebus.receive_failed', { error });
        return;
      }
      // Stopping: what is held goes back to the entity when the session closes, as it would after a crash.
      if (deps.signal.aborted) return;
      if (messages.length === 0) {
        const idle = Date.now() < holdUntil;
        if (held.length > 0) await dispatchHeld(held.length);
        if (idle) return; // Give other sessions a turn.
        continue;
      }
      if (held.length === 0) holdUntil = Date.now() + settings.maxBatchWaitTimeMs;
      held.push(...messages);
      if (held.length >= minimum) await dispatchHeld(batchSize);
    }
  } finally {
    await inbox.close();
  }
}

/**
 * One session at a time. Each accept waits at most the client's operation timeout (the trigger bounds it), because
 * the SDK does not give up a pending accept when the stop signal fires; stopping waits for it.
 */
export async function runSessionWorker(deps: LoopDeps): Promise<void> {
  while (!deps.signal.aborted) {
    const receiver = await acceptNextSession(deps);
    if (typeof receiver === 'string') continue;
    try {
      await drainSession(deps, receiver);
    } finally {
      await receiver.close().catch((error: unknown) => deps.log.warn('servicebus.session.close_failed', { error }));
    }
  }
}
