/**
 * The session receive loop: up to `maxConcurrentSessions` workers each accept the next available session, receive
 * batches from it (the whole batch to a `many` function; one message at a time, in order, to a `one` function) and
 * close the session once it has been empty for the idle timeout or the function released it, so other sessions get
 * a turn.
 */
import { isServiceBusError, type ServiceBusReceivedMessage, type ServiceBusSessionReceiver } from '@azure/service-bus';
import { sleep, withChildSignal } from '../lifecycle.js';
import { dispatch } from './dispatch.js';
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

async function drainSession(deps: LoopDeps, receiver: ServiceBusSessionReceiver): Promise<void> {
  const log = deps.log.child({ sessionId: receiver.sessionId });
  const batchSize = deps.options.many ? deps.host.serviceBus.maxMessageBatchSize : 1;
  log.debug('servicebus.session.accepted');
  while (!deps.signal.aborted) {
    let messages: ServiceBusReceivedMessage[];
    try {
      messages = await withChildSignal(deps.signal, (abortSignal) =>
        receiver.receiveMessages(batchSize, {
          maxWaitTimeInMs: deps.host.serviceBus.sessionIdleTimeoutMs,
          abortSignal,
        }),
      );
    } catch (error) {
      if (!isAbort(error, deps.signal)) log.error('servicebus.receive_failed', { error });
      return;
    }
    if (messages.length === 0) return; // Idle: give other sessions a turn.
    const batches = deps.options.many ? [messages] : messages.map((message) => [message]);
    for (const batch of batches) {
      const { releaseSession } = await dispatch(deps.registration, deps.options, receiver, batch, log);
      if (releaseSession) return;
    }
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
